using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Net;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Runs code-node scripts. Compiling happens in a pre-warmed compile worker (Roslyn never runs in the host), cached
/// in memory and on disk by <see cref="ScriptCompiler.CacheKey"/>. Each run executes in an execution worker started
/// with an empty environment, a GC heap hard limit and (when available) bubblewrap namespaces, which loads the image
/// into a fresh collectible context. A run that breaches a limit (wall time, CPU time, heap, output, result) or leaves
/// work running ends with "limit exceeded: ..."; a crash takes only its worker down. A worker is reused only by the
/// same tenant, principal and credentials (aliases and values) it last served, only after a successful run, and only
/// when the operating system saw it quiet while idle; one spare, never-used worker per heap size waits warm.
/// <c>context.Http</c> calls are performed here, after checking the request's allowed hosts.
/// </summary>
public sealed class ScriptRunner : IDisposable
{
    private const int MaxIdlePerTenant = 2;
    private const int MaxImagesPerWorker = 64;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KillGrace = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan CpuPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly HashSet<string> HttpMethods = new(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], StringComparer.Ordinal);

    private readonly ScriptRunnerOptions _options;
    private readonly string _workerPath;
    private readonly WorkerIsolation _isolation;
    private readonly ScriptImageCache _images;
    private readonly CompileWorker _compiler;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<PoolKey, ConcurrentQueue<WorkerProcess>> _warm = new();
    private readonly byte[] _poolSalt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private int _idleIncidents;
    private readonly Lazy<WorkerLauncher.SandboxTools> _tools;

    /// <summary>
    /// CPU an idle worker may use before it is judged to be running left-over work: 20 ms plus a quarter of the time
    /// it was idle. The runtime's own background work after a run (tiered compilation, a collection) stays under it;
    /// a loop left running uses all of the time it is given.
    /// </summary>
    private static readonly TimeSpan IdleCpuFloor = TimeSpan.FromMilliseconds(20);

    private const double IdleCpuShare = 0.25;
    private readonly ConcurrentDictionary<long, WorkerProcess> _spares = new();
    private bool _disposed;

    /// <summary>Creates a runner.</summary>
    public ScriptRunner(ScriptRunnerOptions? options = null)
    {
        _options = options ?? new ScriptRunnerOptions();
        _options.Limits.Validate();
        _options.Resources.Validate();
        _workerPath = _options.WorkerPath ?? Path.Combine(AppContext.BaseDirectory, "secrets-runtime-worker.dll");
        _isolation = _options.Isolation;
        _tools = new Lazy<WorkerLauncher.SandboxTools>(() => WorkerLauncher.Tools(_options.ToolSearchPath));
        _images = new ScriptImageCache(_options.CacheDirectory);
        _compiler = new CompileWorker(() => WorkerLauncher.Start(_workerPath, [ScriptWorker.CompileMode], _options.CompileHeapBytes, _isolation, _options.Resources, _tools.Value), _options.CompileTimeout);
        _http = new HttpClient(_options.HttpHandler ?? SafeHttp.CreateHandler(), disposeHandler: _options.HttpHandler is null);
    }

    /// <summary>True when the worker program is present.</summary>
    public bool IsAvailable => File.Exists(_workerPath);

    /// <summary>The bubblewrap program when it is installed and works here; null otherwise.</summary>
    public static string? BubblewrapPath => WorkerLauncher.BubblewrapPath;

    /// <summary>The system calls the seccomp filter of sandboxed workers refuses whatever their arguments (for <c>doctor</c>).</summary>
    public static IReadOnlyList<string> RefusedSystemCalls => SeccompFilter.Refused;

    /// <summary>The bubblewrap program this runner uses, or null where it cannot run (see <see cref="IsolationProblem"/>).</summary>
    public string? Bubblewrap => _isolation == WorkerIsolation.Bubblewrap ? _tools.Value.Bubblewrap : null;

    /// <summary>The isolation workers run under.</summary>
    public WorkerIsolation Isolation => _isolation;

    /// <summary>
    /// Why code nodes cannot run under the chosen isolation on this machine, with how to fix it (for bubblewrap:
    /// what to install, and how to opt out for trusted code); null when they can. Runs fail with this message.
    /// </summary>
    public string? IsolationProblem => _isolation == WorkerIsolation.Bubblewrap ? _tools.Value.Problem : null;

    /// <summary>Called when an idle worker is found to have used CPU, with the run that left the work behind; the worker is killed.</summary>
    public event EventHandler<WorkerIncident>? Incident;

    /// <summary>
    /// Starts a spare execution worker now, and the compile worker when one of <paramref name="sources"/> (all of them
    /// when null) is not cached yet, so the first run does not wait for them.
    /// </summary>
    public void Prewarm(IEnumerable<string>? sources = null)
    {
        if (!IsAvailable || _disposed || IsolationProblem is not null)
        {
            return;
        }

        Spare(_options.Limits.MaxHeapBytes);
        if (sources is null || sources.Any(s => !_images.Contains(ScriptCompiler.CacheKey(s))))
        {
            _compiler.Prewarm();
        }
    }

    /// <summary>Compiles (or takes from the cache) and runs one script.</summary>
    public async Task<ScriptResult> RunAsync(ScriptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var limits = (request.Limits ?? _options.Limits).Validate();
        var masker = new SecretRedactor(_options.Redactor?.Options);
        foreach (var (alias, value) in request.Secrets)
        {
            masker.Add(value, alias);
        }

        if (!IsAvailable)
        {
            return Failure(ScriptStatus.Error, $"the worker program is missing ({_workerPath})");
        }

        if (IsolationProblem is { } problem)
        {
            return Failure(ScriptStatus.Error, problem);
        }

        var key = ScriptCompiler.CacheKey(request.Source);
        var compilation = await CompileAsync(key, request.Source, cancellationToken).ConfigureAwait(false);
        if (!compilation.Succeeded)
        {
            var first = compilation.Diagnostics.FirstOrDefault();
            return new ScriptResult(ScriptStatus.Rejected, null, Mask(masker, $"rejected: {first}"), [], false, compilation.Diagnostics);
        }

        var pool = new PoolKey(request.Tenant, request.Principal, CredentialFingerprint(request.Secrets), limits.MaxHeapBytes);
        var worker = await TakeAsync(pool, cancellationToken).ConfigureAwait(false);
        if (worker is null)
        {
            return Failure(ScriptStatus.Error, "the worker did not start");
        }

        var reusable = false;
        try
        {
            var result = await ExchangeAsync(worker, key, compilation.Image!, request, limits, masker, cancellationToken).ConfigureAwait(false);
            reusable = result.Status == ScriptStatus.Ok && _options.ReuseWorkers && worker.Images.Count < MaxImagesPerWorker;
            return result;
        }
        finally
        {
            Return(worker, pool, request.Run.RunId, reusable);
        }
    }

    /// <summary>
    /// Compiles a script (or takes it from the cache) in the compile worker without running it: the policy refusals
    /// and compile errors a run would meet, each with line and column. For validation before anything runs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The worker program is missing.</exception>
    public Task<ScriptCompilation> CompileOnlyAsync(string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return IsAvailable
            ? CompileAsync(ScriptCompiler.CacheKey(source), source, cancellationToken)
            : throw new InvalidOperationException("the worker program is missing");
    }

    private async Task<ScriptCompilation> CompileAsync(string key, string source, CancellationToken cancellationToken)
    {
        // Refused before anything reaches the compile worker.
        if (ScriptCompiler.SizeRefusal(source) is { } tooLong)
        {
            return tooLong;
        }

        var limited = false;
        var compilation = await _images.GetOrAddAsync(key, async () =>
        {
            (var result, limited) = await _compiler.CompileAsync(source, cancellationToken).ConfigureAwait(false);
            return result;
        }).ConfigureAwait(false);
        if (limited)
        {
            _images.Forget(key);
        }

        return compilation;
    }

    private async Task<ScriptResult> ExchangeAsync(WorkerProcess worker, string key, byte[] image, ScriptRequest request, ScriptLimits limits, SecretRedactor masker, CancellationToken cancellationToken)
    {
        var message = new JsonObject
        {
            ["key"] = key,
            ["context"] = new JsonObject
            {
                ["secrets"] = new JsonObject(request.Secrets.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                ["inputJson"] = request.InputJson,
                ["run"] = new JsonObject { ["runId"] = request.Run.RunId, ["workflow"] = request.Run.Workflow, ["node"] = request.Run.Node, ["trigger"] = request.Run.Trigger },
            },
            ["limits"] = new JsonObject
            {
                ["timeoutMs"] = limits.Timeout.TotalMilliseconds,
                ["maxLogChars"] = limits.MaxOutputBytes,
                ["maxResultChars"] = limits.MaxResultBytes,
            },
        };
        if (worker.Images.Add(key))
        {
            message["image"] = Convert.ToBase64String(image);
        }

        // The guard in the worker stops guarded code at the time limit; the kill is for what it cannot reach (a busy
        // library call), and the CPU watchdog for time spent on more than one core.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.Timeout + KillGrace);
        using var watchdog = new CpuWatchdog(worker, limits.CpuTime);
        var maxLine = limits.MaxOutputBytes + limits.MaxResultBytes + 64 * 1024;
        var logs = new List<string>();
        var logChars = 0;
        var allowed = new HostAllowList(request.AllowedHosts);
        var calls = 0;
        string? response;
        try
        {
            await worker.SendAsync(message.ToJsonString(), deadline.Token).ConfigureAwait(false);
            while (true)
            {
                response = await worker.ReadLineAsync(maxLine, deadline.Token).ConfigureAwait(false);
                if (response is null)
                {
                    break;
                }

                // Log lines arrive as the script writes them, so they are kept whatever happens next.
                // The host counts them too: a worker that ignores its own limit is stopped here.
                if (response.StartsWith("{\"log\":", StringComparison.Ordinal))
                {
                    var line = JsonNode.Parse(response)!["log"]!.GetValue<string>();
                    if ((logChars += line.Length) > limits.MaxOutputBytes)
                    {
                        worker.Kill();
                        return ScriptResult.Limited(LimitKind.Output, logs);
                    }

                    logs.Add(Mask(masker, line));
                    continue;
                }

                if (!response.StartsWith("{\"http\":", StringComparison.Ordinal))
                {
                    break;
                }

                // One call past the limit ends the run as that limit, whatever the script would do with a refusal
                // (catch it and carry on, or fail with an error that hides the limit).
                if (++calls > limits.MaxHttpCalls)
                {
                    worker.Kill();
                    return ScriptResult.Limited(LimitKind.HttpCalls, logs);
                }

                var call = JsonNode.Parse(response)!["http"]!.AsObject();
                var answer = await HttpAsync(call, allowed, limits, logs, masker, deadline.Token).ConfigureAwait(false);
                await worker.SendAsync(answer.ToJsonString(), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            worker.Kill();
            return ScriptResult.Limited(watchdog.Tripped ? LimitKind.Cpu : LimitKind.Time, logs);
        }
        catch (IOException)
        {
            response = null;
        }
        catch (InvalidDataException)
        {
            worker.Kill();
            return ScriptResult.Limited(LimitKind.Output, logs);
        }

        if (response is null)
        {
            // The worker died without answering. The runtime's own last words on stderr tell a stack overflow or an
            // out-of-memory fail-fast from any other crash; the script cannot write there (no console, no files).
            worker.Kill();
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var errors = worker.ErrorTail;
            LimitKind? limit = watchdog.Tripped ? LimitKind.Cpu
                : errors.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase) ? LimitKind.Stack
                : errors.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || errors.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase) ? LimitKind.Memory
                : null;
            return limit is { } breached ? ScriptResult.Limited(breached, logs)
                : new ScriptResult(ScriptStatus.Error, null, string.Create(CultureInfo.InvariantCulture, $"the worker crashed (exit code {worker.ExitCode})"), logs, false, []);
        }

        var parsed = JsonNode.Parse(response)!.AsObject();
        switch (parsed["status"]!.GetValue<string>())
        {
            case "limited" when Enum.TryParse<LimitKind>(parsed["limit"]?.GetValue<string>(), out var breached):
                return ScriptResult.Limited(breached, logs);
            case "ok":
                var valueText = parsed["value"]!.GetValue<string>();
                var sensitive = masker.ContainsSecret(valueText) || _options.Redactor?.ContainsSecret(valueText) == true;
                return new ScriptResult(ScriptStatus.Ok, JsonNode.Parse(valueText), null, logs, sensitive, []);
            default:
                var line = parsed["line"]?.GetValue<int>();
                var error = Mask(masker, parsed["error"]?.GetValue<string>() ?? "the script failed");
                return new ScriptResult(ScriptStatus.Error, null, line is { } at ? string.Create(CultureInfo.InvariantCulture, $"line {at}: {error}") : error, logs, false, []) { Line = line };
        }
    }

    /// <summary>Performs one <c>context.Http</c> call for the script, if the node may call that host.</summary>
    /// <remarks>
    /// Messages and logs show the URL only as the script wrote it, masked: <see cref="Uri"/> lower-cases and
    /// normalizes a host, and a value in a normalized form would pass the masker.
    /// </remarks>
    private async Task<JsonObject> HttpAsync(JsonObject call, HostAllowList allowed, ScriptLimits limits, List<string> logs, SecretRedactor masker, CancellationToken cancellationToken)
    {
        var method = call["method"]?.GetValue<string>() ?? "GET";
        var url = call["url"]?.GetValue<string>() ?? string.Empty;
        if (!HttpMethods.Contains(method))
        {
            return new JsonObject { ["error"] = Mask(masker, $"HTTP method {method} is not supported") };
        }

        // As written by the script, without user info: the host (and port) for refusals, up to the query for the log.
        var written = SafeHttp.SplitAsWritten(url);
        var host = written is { } h ? Mask(masker, h.Host) : "(invalid URL)";
        var shown = written is { } w ? Mask(masker, w.Scheme + w.Host + w.Path) : "(invalid URL)";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !allowed.Allows(uri))
        {
            logs.Add($"http {method} {host}: refused, not in allowedHosts");
            return new JsonObject { ["error"] = $"host {host} is not in this node's allowedHosts" };
        }

        using var message = new HttpRequestMessage(new HttpMethod(method), uri);
        if (call["body"]?.GetValue<string>() is { } requestBody)
        {
            message.Content = new StringContent(requestBody, Encoding.UTF8);
            message.Content.Headers.ContentType = null;
        }

        var index = 0;
        foreach (var (name, value) in call["headers"] as JsonObject ?? [])
        {
            // Checked before anything is sent: a CR or LF would let the script add headers (or a body) of its own.
            var text = value?.GetValue<string>() ?? string.Empty;
            if (SafeHttp.HeaderProblem(name, text) is { } problem)
            {
                var which = SafeHttp.IsToken(name) ? $"header {Mask(masker, name)}" : $"header #{index + 1}";
                logs.Add($"http {method} {shown}: refused, {which} {problem}");
                return new JsonObject { ["error"] = $"{which} {problem}" };
            }

            if (!message.Headers.TryAddWithoutValidation(name, text) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, text);
            }

            index++;
        }

        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (await SafeHttp.ReadCappedAsync(response.Content, limits.MaxHttpResponseBytes, cancellationToken).ConfigureAwait(false) is not { } body)
            {
                return new JsonObject { ["error"] = $"limit exceeded: the response is larger than {limits.MaxHttpResponseBytes} bytes" };
            }

            logs.Add(string.Create(CultureInfo.InvariantCulture, $"http {method} {shown} -> {(int)response.StatusCode}"));
            return new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["headers"] = new JsonObject(response.Headers.Concat(response.Content.Headers)
                    .Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(string.Join(", ", h.Value))))),
                ["body"] = Encoding.UTF8.GetString(body),
            };
        }
        catch (HttpRequestException ex)
        {
            // The category only: the exception's message can hold the host as Uri normalized it.
            logs.Add($"http {method} {shown}: failed ({ex.HttpRequestError})");
            return new JsonObject { ["error"] = $"HTTP request to {host} failed: {ex.HttpRequestError}" };
        }
    }

    /// <summary>Kills the idle and spare workers and the compile worker.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var queue in _warm.Values)
        {
            while (queue.TryDequeue(out var idle))
            {
                idle.Dispose();
            }
        }

        foreach (var spare in _spares.Values)
        {
            spare.Dispose();
        }

        _compiler.Dispose();
        _http.Dispose();
    }

    /// <summary>Compiles through the compile worker, bypassing every cache (for the compile benchmark).</summary>
    internal async Task<ScriptCompilation> CompileUncachedAsync(string source) => (await _compiler.CompileAsync(source, CancellationToken.None).ConfigureAwait(false)).Compilation;

    /// <summary>How many execution worker processes this runner holds (idle and spare), for the growth benchmark.</summary>
    internal int WorkerCount => _warm.Values.Sum(q => q.Count(w => !w.HasExited)) + _spares.Values.Count(w => !w.HasExited);

    /// <summary>How many scripts went to the compile worker: cache misses (for tests and diagnostics).</summary>
    internal int Compiles => _compiler.Compiles;

    /// <summary>How many idle workers a tenant has (for tests and diagnostics).</summary>
    internal int IdleWorkers(string tenant) => _warm.Where(p => p.Key.Tenant == tenant).Sum(p => p.Value.Count(w => !w.HasExited));

    /// <summary>How many idle workers were killed for using CPU while idle (for tests and diagnostics).</summary>
    internal int IdleIncidents => Volatile.Read(ref _idleIncidents);

    /// <summary>
    /// A keyed hash of the run's credentials (alias and value of each, length-prefixed, in order of alias): equal only
    /// for exactly the same credentials. The key is this runner's own random salt, so the hash says nothing outside it.
    /// </summary>
    private string CredentialFingerprint(IReadOnlyDictionary<string, string> secrets)
    {
        if (secrets.Count == 0)
        {
            return string.Empty;
        }

        using var hmac = System.Security.Cryptography.IncrementalHash.CreateHMAC(System.Security.Cryptography.HashAlgorithmName.SHA256, _poolSalt);
        foreach (var (alias, value) in secrets.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var part in (string[])[alias, value])
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                hmac.AppendData(BitConverter.GetBytes(bytes.Length));
                hmac.AppendData(bytes);
            }
        }

        return Convert.ToHexString(hmac.GetHashAndReset());
    }

    /// <summary>Sends a probe to a fresh worker: what it can see and reach (for <c>doctor</c> and the isolation tests).</summary>
    public async Task<JsonObject> ProbeAsync(IEnumerable<string> paths, int? hostPort, CancellationToken cancellationToken = default)
    {
        if (IsolationProblem is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        using var worker = WorkerLauncher.Start(_workerPath, [], _options.Limits.MaxHeapBytes, _isolation, _options.Resources, _tools.Value);
        if (!await worker.WaitReadyAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"the worker did not start: {worker.ErrorTail.Trim()}");
        }

        await worker.SendAsync(new JsonObject { ["probe"] = new JsonObject { ["paths"] = new JsonArray(paths.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()), ["port"] = hostPort } }.ToJsonString(), cancellationToken).ConfigureAwait(false);
        var line = await worker.ReadLineAsync(1024 * 1024, cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("the worker closed its pipe");
        return JsonNode.Parse(line)!["probe"]!.AsObject();
    }

    /// <summary>
    /// An idle worker of this pool (same tenant, principal, credentials and heap) that stayed quiet while idle, else
    /// the spare (a new spare starts behind it), else a new worker; ready.
    /// </summary>
    private async Task<WorkerProcess?> TakeAsync(PoolKey pool, CancellationToken cancellationToken)
    {
        var queue = _warm.GetOrAdd(pool, _ => new ConcurrentQueue<WorkerProcess>());
        while (queue.TryDequeue(out var idle))
        {
            if (!idle.HasExited && idle.IdleActivity(IdleCpuFloor, IdleCpuShare) is { } activity)
            {
                Interlocked.Increment(ref _idleIncidents);
                Incident?.Invoke(this, new WorkerIncident(idle.Idle!.Value.Run, $"the worker that ran {idle.Idle!.Value.Run} was killed: {activity}"));
                idle.Dispose();
                continue;
            }

            if (!idle.HasExited)
            {
                return idle;
            }

            idle.Dispose();
        }

        var worker = _spares.TryRemove(pool.Heap, out var spare) && !spare.HasExited ? spare : Start(pool.Heap);
        Spare(pool.Heap);

        // A worker that fails to start (a transient fork or namespace failure) gets one replacement.
        for (var attempt = 0; attempt < 2; attempt++, worker = Start(pool.Heap))
        {
            if (await worker.WaitReadyAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
            {
                return worker;
            }

            worker.Dispose();
        }

        return null;
    }

    /// <summary>Keeps a worker for its pool after a successful run; kills it otherwise.</summary>
    private void Return(WorkerProcess worker, PoolKey pool, string run, bool reusable)
    {
        var queue = _warm.GetOrAdd(pool, _ => new ConcurrentQueue<WorkerProcess>());
        if (reusable && !_disposed && !worker.HasExited && queue.Count < MaxIdlePerTenant)
        {
            worker.MarkIdle(run);
            queue.Enqueue(worker);
            return;
        }

        worker.Dispose();
    }

    /// <summary>Makes sure one never-used worker with this heap limit is starting or waiting.</summary>
    private void Spare(long heap)
    {
        if (_disposed)
        {
            return;
        }

        var added = _spares.GetOrAdd(heap, h => Start(h));
        if (added.HasExited)
        {
            _spares.TryRemove(KeyValuePair.Create(heap, added));
            added.Dispose();
        }
    }

    private WorkerProcess Start(long heap) => WorkerLauncher.Start(_workerPath, [], heap, _isolation, _options.Resources, _tools.Value);

    /// <summary>Which idle workers a run may take: only those that served the same tenant, principal and credentials.</summary>
    private readonly record struct PoolKey(string Tenant, string Principal, string Credentials, long Heap);

    private static ScriptResult Failure(ScriptStatus status, string error) => new(status, null, error, [], false, []);

    private string Mask(SecretRedactor masker, string text)
    {
        var masked = masker.Redact(text);
        return _options.Redactor is null ? masked : _options.Redactor.Redact(masked);
    }

    /// <summary>Kills the worker when the run's CPU time passes the limit; polls every 50 ms, measured from the first poll.</summary>
    private sealed class CpuWatchdog : IDisposable
    {
        private readonly Timer _timer;
        private readonly WorkerProcess _worker;
        private readonly TimeSpan _limit;
        private TimeSpan? _baseline;

        public CpuWatchdog(WorkerProcess worker, TimeSpan limit)
        {
            _worker = worker;
            _limit = limit;
            _timer = new Timer(_ => Check(), null, CpuPollInterval, CpuPollInterval);
        }

        public bool Tripped { get; private set; }

        public void Dispose() => _timer.Dispose();

        private void Check()
        {
            var used = _worker.CpuTime;
            _baseline ??= used - CpuPollInterval;
            if (used - _baseline.Value > _limit && !Tripped)
            {
                Tripped = true;
                _worker.Kill();
            }
        }
    }
}
