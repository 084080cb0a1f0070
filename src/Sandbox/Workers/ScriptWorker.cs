using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The worker side of the pipe protocol (one <see cref="WorkerMessage"/> per line each way). Runs only in worker
/// processes, never in the host. An execution worker (no arguments) runs compiled images in a fresh collectible load
/// context per run under <see cref="ScriptGuard"/>; during a run it may send <see cref="HttpCall"/> lines and read the
/// host's <see cref="HttpAnswer"/>s. A compile worker (<see cref="WorkerProtocol.CompileMode"/>) keeps Roslyn warm and
/// answers with images or diagnostics. A line that is not a well-formed request ends the worker.
/// </summary>
internal sealed class ScriptWorker
{
    /// <summary>The longest error message a worker sends; the rest is cut (a huge message is not a crash).</summary>
    private const int MaxErrorChars = 2048;

    private readonly Dictionary<string, MethodInfo> _images = new(StringComparer.Ordinal);

    /// <summary>How many threads are running the script's code (or code it started) at this instant.</summary>
    private int _scriptThreads;

    /// <summary>
    /// Set on the thread that starts the script and carried by every continuation, timer callback and task the
    /// script's code queues; each switch onto or off a thread is counted in <see cref="_scriptThreads"/>. A
    /// continuation already taken off the queue but not yet at its next timer or await shows neither a queued item
    /// nor a timer; it shows here.
    /// </summary>
    private readonly AsyncLocal<object?> _scriptFlow;

    private ScriptWorker() => _scriptFlow = new(change =>
    {
        if (change.PreviousValue is null && change.CurrentValue is not null)
        {
            Interlocked.Increment(ref _scriptThreads);
        }
        else if (change.PreviousValue is not null && change.CurrentValue is null)
        {
            Interlocked.Decrement(ref _scriptThreads);
        }
    });

    /// <summary>Handles requests until its input closes; returns the process exit code (1 after a malformed request).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, Stream input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(arguments);

        // Regexes built without a timeout still stop: set before any Regex is created.
        AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromMilliseconds(200));
        using var reader = new StreamReader(input, new UTF8Encoding(false));
        if (arguments.Count > 0 && arguments[0] == WorkerProtocol.CompileMode)
        {
            return RunCompiler(reader, output);
        }

        _ = JsonNode.Parse("{\"warm\":[1]}")!.ToJsonString();
        _ = JsonSerializer.Serialize(new { warm = 1 });
        _ = WorkerProtocol.Read(WorkerProtocol.Write(RunAnswer.Ok("1")));
        var worker = new ScriptWorker();
        var pipe = new Pipe(reader, output);
        await pipe.WriteAsync(new ReadyMessage()).ConfigureAwait(false);
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            WorkerMessage answer = WorkerProtocol.Read(line) switch
            {
                RunRequest run => await worker.ExecuteAsync(run, pipe).ConfigureAwait(false),
                ProbeRequest probe => Probe(probe),
                _ => null!,
            };
            if (answer is null)
            {
                return 1;
            }

            await pipe.WriteAsync(answer).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// The compile worker's loop, on the thread that started the worker (not a pool thread): a compile hands its
    /// policy walk to the pool, which, asked from a pool thread, measured 40% slower than from a thread of its own.
    /// </summary>
    private static int RunCompiler(StreamReader reader, Stream output)
    {
        var compiler = new ScriptCompiler();
        _ = compiler.Compile("var n = context.Secrets.Count; return new JsonObject { [\"n\"] = n + Enumerable.Range(0, 3).Sum() }.ToJsonString();");
        _ = WorkerProtocol.Read(WorkerProtocol.Write(new CompileRequest("1")));
        output.Write(WorkerProtocol.Frame(new ReadyMessage()));
        output.Flush();
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (WorkerProtocol.Read(line) is not CompileRequest request)
            {
                return 1;
            }

            var result = compiler.Compile(request.Source);
            output.Write(WorkerProtocol.Frame(result.Succeeded ? new CompileAnswer(result.Image, null) : new CompileAnswer(null, result.Diagnostics)));
            output.Flush();
        }

        return 0;
    }

    private async Task<RunAnswer> ExecuteAsync(RunRequest request, Pipe pipe)
    {
        var http = new HttpGate(pipe);
        MethodInfo? entry = null;
        try
        {
            if (request.Image is { } image)
            {
                _images[request.Key] = Load(image);
            }

            entry = _images[request.Key];
            var limits = request.Limits;

            // Each log line goes to the host as it is written, so lines written before a failure, a limit or a kill
            // are kept.
            var context = new ScriptContext(request.Context.Secrets, request.Context.InputJson, request.Context.Run,
                JsonSerializer.Serialize(request.Context, WorkerJsonContext.Default.RunContext),
                http.SendAsync, limits.MaxLogChars, line => pipe.WriteAsync(new LogLine(line)).GetAwaiter().GetResult());
            var (value, limit, background) = await RunGuardedAsync(entry, context, limits.Timeout, http.CloseAsync).ConfigureAwait(false);
            var serialized = limit is null && !background ? Serialize(value) : null;
            var refusal = limit ?? (background ? LimitKind.BackgroundWork : (LimitKind?)null)
                ?? (serialized!.Length > limits.MaxResultChars ? LimitKind.Result : (LimitKind?)null);
            return refusal is { } breached ? RunAnswer.Limited(breached) : RunAnswer.Ok(serialized!);
        }
        catch (OutOfMemoryException)
        {
            await http.CloseAsync().ConfigureAwait(false);
            return RunAnswer.Limited(LimitKind.Memory);
        }
        catch (Exception ex)
        {
            await http.CloseAsync().ConfigureAwait(false);
            var inner = ex is TargetInvocationException { InnerException: { } e } ? e : ex;
            if (inner is InsufficientExecutionStackException)
            {
                return RunAnswer.Limited(LimitKind.Stack);
            }

            var message = inner.Message.Length > MaxErrorChars ? inner.Message[..MaxErrorChars] + " (cut)" : inner.Message;
            return RunAnswer.Failed($"{inner.GetType().Name}: {message}", ScriptLine(inner, entry));
        }
    }

    /// <summary>
    /// The line of the script where <paramref name="exception"/> was thrown (or the innermost script frame it passed
    /// through), from the image's embedded debug information; null when no script frame has one. Only script frames
    /// are read: no host frame reaches the answer.
    /// </summary>
    private static int? ScriptLine(Exception exception, MethodInfo? entry)
    {
        if (entry is null)
        {
            return null;
        }

        var script = entry.Module.Assembly;
        return new System.Diagnostics.StackTrace(exception, fNeedFileInfo: true).GetFrames()
            .Where(f => f.GetMethod()?.Module.Assembly == script && f.GetFileLineNumber() > 0)
            .Select(f => (int?)f.GetFileLineNumber())
            .FirstOrDefault();
    }

    /// <summary>
    /// Loads an image into its own collectible context and finds its entry point. A worker keeps what it loaded (it
    /// serves one tenant, and the policy refuses static state), so a repeated script is not loaded and compiled to
    /// machine code again; each run gets a new submission object.
    /// </summary>
    private static MethodInfo Load(byte[] image)
    {
        var loadContext = new AssemblyLoadContext("code-node", isCollectible: true);
        var assembly = loadContext.LoadFromStream(new MemoryStream(image));
        var submission = assembly.GetType("Script") ?? throw new InvalidOperationException("compiled script has no submission type");
        return submission.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("compiled script has no factory");
    }

    /// <summary>Runs the image under the guard; returns its value, the limit it breached, and whether it left work running.</summary>
    /// <remarks><paramref name="settle"/> lets HTTP calls the script did not await finish before anything is judged.</remarks>
    private async Task<(object? Value, LimitKind? Limit, bool Background)> RunGuardedAsync(MethodInfo factory, ScriptContext context, TimeSpan budget, Func<Task> settle)
    {
        var timers = Timer.ActiveCount;
        ScriptGuard.Begin(budget);
        object? value;
        try
        {
            // On a pool thread, whose stack (DOTNET_DefaultStackSize) is small; the main thread's is 8 MB.
            value = await Task.Run(() =>
            {
                _scriptFlow.Value = _scriptFlow;
                return InvokeAsync(factory, context);
            }).ConfigureAwait(false);
            await settle().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ScriptLimitException or TargetInvocationException { InnerException: ScriptLimitException })
        {
            return (null, ScriptGuard.End() ?? LimitKind.Time, false);
        }

        // Judged while the guard still runs (ending it stops guarded loops, which would hide them).
        var background = await LeftWorkRunningAsync(timers).ConfigureAwait(false);
        return (value, ScriptGuard.End(), background);
    }

    /// <summary>
    /// True when the script left timers or queued work behind. Continuations that are merely finishing get a few
    /// milliseconds to drain; a loop or a pending delay is still there after them.
    /// </summary>
    private async Task<bool> LeftWorkRunningAsync(long timersBefore)
    {
        // Quiet means quiet three looks in a row: no queued item, no new timer, no thread running script code. Busy
        // looks are retried with yields, then short sleeps (about 50 ms in all), since continuations that are merely
        // finishing need no more.
        // Script code that runs while we look (a guard tick) is background work too.
        var ticks = ScriptGuard.Ticks;
        var quiet = 0;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            quiet = ThreadPool.PendingWorkItemCount == 0 && Timer.ActiveCount <= timersBefore && Volatile.Read(ref _scriptThreads) == 0 ? quiet + 1 : 0;
            if (quiet == 3)
            {
                return ScriptGuard.Ticks != ticks;
            }

            if (attempt < 50)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        return true;
    }

    private static async Task<object?> InvokeAsync(MethodInfo factory, ScriptContext context)
    {
        var states = new object?[2];
        states[0] = new ScriptGlobals(context);
        var task = (Task<object>)factory.Invoke(null, [states])!;
        return await task.ConfigureAwait(false);
    }

    /// <summary>What this worker can see and reach, for <c>secrets-runtime doctor</c> and the isolation tests.</summary>
    private static ProbeAnswer Probe(ProbeRequest probe)
    {
        var paths = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var path in probe.Paths)
        {
            paths[path] = File.Exists(path) || Directory.Exists(path);
        }

        var reached = false;
        if (probe.Port is { } port)
        {
            try
            {
                using var client = new TcpClient();
                reached = client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
            catch (SocketException)
            {
            }
        }

        return new ProbeAnswer(
            Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal).ToList(),
            paths, Interfaces().ToList(), reached, Environment.ProcessId, Status(), Namespaces(), Limits());
    }

    /// <summary>The network interfaces of the worker's network namespace, from /proc (no socket needed: the filter refuses netlink).</summary>
    private static IEnumerable<string> Interfaces() =>
        File.Exists("/proc/self/net/dev")
            ? File.ReadLines("/proc/self/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n.Length > 0)
            : NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name);

    /// <summary>Identity and confinement as the kernel reports them: uid and gid (real, effective), capabilities, no_new_privs, seccomp mode.</summary>
    private static Dictionary<string, string> Status()
    {
        var status = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status") : [])
        {
            var (name, value) = (line.Split(':')[0], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            if (name is "Uid" or "Gid" or "CapEff" or "CapPrm" or "CapBnd" or "NoNewPrivs" or "Seccomp")
            {
                status[name] = value;
            }
        }

        return status;
    }

    /// <summary>The namespaces the worker is in (the kernel's ids, to compare with the host's).</summary>
    private static Dictionary<string, string?> Namespaces()
    {
        var namespaces = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var kind in (string[])["user", "pid", "net", "ipc", "uts", "mnt", "cgroup"])
        {
            namespaces[kind] = File.ResolveLinkTarget($"/proc/self/ns/{kind}", returnFinalTarget: false)?.ToString();
        }

        return namespaces;
    }

    /// <summary>The hard resource limits, from /proc/self/limits (name to hard value).</summary>
    private static Dictionary<string, string> Limits()
    {
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").Skip(1) : [])
        {
            // Columns: name (padded to 26), soft limit (21), hard limit (21), units.
            if (line.Length > 47)
            {
                limits[line[..26].Trim()] = line.Substring(47, Math.Min(21, line.Length - 47)).Trim();
            }
        }

        return limits;
    }

    private static string Serialize(object? value) => value switch
    {
        null => "null",
        JsonNode node => node.ToJsonString(),
        string s => JsonSerializer.Serialize(s),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };

    /// <summary>The worker's two pipe ends; writes are serialized.</summary>
    private sealed class Pipe(StreamReader reader, Stream output)
    {
        private readonly SemaphoreSlim _write = new(1, 1);

        public StreamReader Reader => reader;

        public async Task WriteAsync(WorkerMessage message)
        {
            var bytes = WorkerProtocol.Frame(message);
            await _write.WaitAsync().ConfigureAwait(false);
            try
            {
                await output.WriteAsync(bytes).ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                _write.Release();
            }
        }
    }

    /// <summary>
    /// <c>context.Http</c> of one run: one call at a time over the pipe, and none after the run ended, so a call the
    /// script did not await can never interleave with the next request.
    /// </summary>
    private sealed class HttpGate(Pipe pipe)
    {
        private readonly SemaphoreSlim _one = new(1, 1);
        private bool _closed;

        public async Task<ScriptHttpResponse> SendAsync(ScriptHttpRequest request)
        {
            HttpAnswer answer;
            await _one.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closed)
                {
                    throw new InvalidOperationException("the run has ended");
                }

                await pipe.WriteAsync(new HttpCall(request.Method, request.Url, request.Headers, request.Body)).ConfigureAwait(false);
                var line = await pipe.Reader.ReadLineAsync().ConfigureAwait(false) ?? throw new IOException("the host closed the pipe");
                answer = WorkerProtocol.Read(line) as HttpAnswer ?? throw new IOException("the host's answer is not an HTTP answer");
            }
            finally
            {
                _one.Release();
            }

            return answer.Error is { } error
                ? throw new InvalidOperationException(error)
                : new ScriptHttpResponse(answer.Status!.Value, answer.Body ?? string.Empty,
                    new Dictionary<string, string>(answer.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase));
        }

        public async Task CloseAsync()
        {
            await _one.WaitAsync().ConfigureAwait(false);
            _closed = true;
            _one.Release();
        }
    }
}
