using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Runs code-node scripts. Compiling happens in a pre-warmed compile worker (Roslyn never runs in the host), cached
/// in memory and on disk by <see cref="ScriptCompiler.CacheKey"/>. Each run executes in an execution worker started
/// with an empty environment, a GC heap hard limit and (when available) bubblewrap namespaces, which loads the image
/// into a fresh collectible context. A run that breaches a limit (wall time, CPU time, heap, output, result) or leaves
/// work running ends <see cref="ScriptStatus.Limited"/> with its <see cref="LimitKind"/>; a crash takes only its worker
/// down, and a worker that breaks the protocol (<see cref="WorkerProtocol"/>) is stopped and its run fails. A worker is reused only by the
/// same tenant, principal and credentials (aliases and values) it last served, only after a successful run, and only
/// when the operating system saw it quiet while idle (<see cref="WorkerPool"/>); one spare, never-used worker per heap
/// size waits warm. <c>context.Http</c> calls are performed by <see cref="ScriptHttpProxy"/>, after checking the
/// request's allowed hosts; <see cref="CpuWatchdog"/> kills a run that spends its CPU time.
/// </summary>
internal sealed class ScriptRunner : IDisposable
{
    private const int MaxImagesPerWorker = 64;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ScriptRunnerOptions _options;
    private readonly string _workerPath;
    private readonly WorkerIsolation _isolation;
    private readonly ScriptImageCache _images;
    private readonly CompileWorker _compiler;
    private readonly ScriptHttpProxy _http;
    private readonly WorkerExchange _exchange;
    private readonly WorkerPool _pool;
    private readonly Lazy<WorkerLauncher.SandboxTools> _tools;

    private bool _disposed;

    /// <summary>Creates a runner.</summary>
    public ScriptRunner(ScriptRunnerOptions? options = null)
    {
        _options = options ?? new ScriptRunnerOptions();
        _options.Validate();
        _workerPath = _options.WorkerPath ?? Path.Combine(AppContext.BaseDirectory, "secrets-runtime-worker.dll");
        _isolation = _options.Isolation;
        _tools = new Lazy<WorkerLauncher.SandboxTools>(() => WorkerLauncher.Tools(_options.ToolSearchPath));
        _images = new ScriptImageCache(_options.CacheDirectory);
        _compiler = new CompileWorker(() => WorkerLauncher.Start(_workerPath, [WorkerProtocol.CompileMode], _options.CompileHeapBytes, _isolation, _options.Resources, _tools.Value), _options.CompileTimeout);
        _http = new ScriptHttpProxy(_options.HttpHandler);
        _exchange = new WorkerExchange(_http, _options.Redactor);
        _pool = new WorkerPool(heap => WorkerLauncher.Start(_workerPath, [], heap, _isolation, _options.Resources, _tools.Value), _options.ReuseWorkers, incident => Incident?.Invoke(this, incident));
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

        _pool.Spare(_options.Limits.MaxHeapBytes);
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
            var first = compilation.Diagnostics.Count > 0 ? compilation.Diagnostics[0] : null;
            return new ScriptResult(ScriptStatus.Rejected, null, Mask(masker, $"rejected: {first}"), [], false, compilation.Diagnostics);
        }

        var pool = _pool.Key(request.Tenant, request.Principal, request.Secrets, limits.MaxHeapBytes);
        var worker = await _pool.TakeAsync(pool, cancellationToken).ConfigureAwait(false);
        if (worker is null)
        {
            return Failure(ScriptStatus.Error, "the worker did not start");
        }

        var reusable = false;
        try
        {
            var result = await _exchange.RunAsync(worker, key, compilation.Image!, request, limits, masker, cancellationToken).ConfigureAwait(false);
            reusable = result.Status == ScriptStatus.Ok && worker.Images.Count < MaxImagesPerWorker;
            return result;
        }
        finally
        {
            _pool.Return(worker, pool, request.Run.RunId, reusable);
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

    /// <summary>Kills the idle and spare workers and the compile worker.</summary>
    public void Dispose()
    {
        _disposed = true;
        _pool.Dispose();

        _compiler.Dispose();
        _http.Dispose();
    }

    /// <summary>Compiles through the compile worker, bypassing every cache (for the compile benchmark).</summary>
    internal async Task<ScriptCompilation> CompileUncachedAsync(string source) => (await _compiler.CompileAsync(source, CancellationToken.None).ConfigureAwait(false)).Compilation;

    /// <summary>How many execution worker processes this runner holds (idle and spare), for the growth benchmark.</summary>
    internal int WorkerCount => _pool.WorkerCount;

    /// <summary>How many scripts went to the compile worker: cache misses (for tests and diagnostics).</summary>
    internal int Compiles => _compiler.Compiles;

    /// <summary>The compile worker's process id, or null when none is running (tests kill it from outside).</summary>
    internal int? CompileWorkerProcessId => _compiler.ProcessId;

    /// <summary>How many idle workers a tenant has (for tests and diagnostics).</summary>
    internal int IdleWorkers(string tenant) => _pool.IdleWorkers(tenant);

    /// <summary>How many idle workers were killed for using CPU while idle (for tests and diagnostics).</summary>
    internal int IdleIncidents => _pool.IdleIncidents;

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

        await worker.SendAsync(WorkerProtocol.Write(new ProbeRequest(paths.ToList(), hostPort)), cancellationToken).ConfigureAwait(false);
        var line = await worker.ReadLineAsync(1024 * 1024, cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("the worker closed its pipe");
        return WorkerProtocol.Read(line) is ProbeAnswer answer
            ? JsonSerializer.SerializeToNode(answer, WorkerJsonContext.Default.ProbeAnswer)!.AsObject()
            : throw new InvalidOperationException("the worker's probe answer does not follow the protocol");
    }

    private static ScriptResult Failure(ScriptStatus status, string error) => new(status, null, error, [], false, []);

    private string Mask(SecretRedactor masker, string text) => _exchange.Mask(masker, text);
}
