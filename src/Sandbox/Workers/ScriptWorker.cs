using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The worker side of the pipe protocol (one JSON document per line each way). Runs only in worker processes, never
/// in the host. An execution worker (no arguments) runs compiled images in a fresh collectible load context per run
/// under <see cref="ScriptGuard"/>; during a run it may send <c>{"http": ...}</c> lines and read the host's answers.
/// A compile worker (<c>--compile</c>) keeps Roslyn warm and answers with images or diagnostics.
/// </summary>
public static class ScriptWorker
{
    /// <summary>The argument that makes a worker a compile worker.</summary>
    public const string CompileMode = "--compile";

    /// <summary>How many threads are running the script's code (or code it started) at this instant.</summary>
    private static int _scriptThreads;

    /// <summary>
    /// Set on the thread that starts the script and carried by every continuation, timer callback and task the
    /// script's code queues; each switch onto or off a thread is counted in <see cref="_scriptThreads"/>. A
    /// continuation already taken off the queue but not yet at its next timer or await shows neither a queued item
    /// nor a timer; it shows here.
    /// </summary>
    private static readonly AsyncLocal<object?> ScriptFlow = new(change =>
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

    /// <summary>Handles requests until its input closes; returns the process exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, Stream input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(arguments);

        // Regexes built without a timeout still stop: set before any Regex is created.
        AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromMilliseconds(200));
        using var reader = new StreamReader(input, new UTF8Encoding(false));
        if (arguments.Count > 0 && arguments[0] == CompileMode)
        {
            RunCompiler(reader, output);
            return 0;
        }

        _ = JsonNode.Parse("{\"warm\":[1]}")!.ToJsonString();
        _ = JsonSerializer.Serialize(new { warm = 1 });
        var pipe = new Pipe(reader, output);
        var images = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
        await pipe.WriteAsync(new JsonObject { ["ready"] = true }).ConfigureAwait(false);
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                var request = JsonNode.Parse(line)!.AsObject();
                await pipe.WriteAsync(request["probe"] is JsonObject probe ? Probe(probe) : await ExecuteAsync(request, images, pipe).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }

        return 0;
    }

    /// <summary>
    /// The compile worker's loop, on the thread that started the worker (not a pool thread): a compile hands its
    /// policy walk to the pool, which, asked from a pool thread, measured 40% slower than from a thread of its own.
    /// </summary>
    private static void RunCompiler(StreamReader reader, Stream output)
    {
        var compiler = new ScriptCompiler();
        _ = compiler.Compile("var n = context.Secrets.Count; return new JsonObject { [\"n\"] = n + Enumerable.Range(0, 3).Sum() }.ToJsonString();");
        output.Write(Pipe.Frame(new JsonObject { ["ready"] = true }));
        output.Flush();
        while (reader.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                output.Write(Pipe.Frame(Compile(compiler, JsonNode.Parse(line)!.AsObject())));
                output.Flush();
            }
        }
    }

    private static JsonObject Compile(ScriptCompiler compiler, JsonObject request)
    {
        var result = compiler.Compile(request["source"]!.GetValue<string>());
        return result.Succeeded
            ? new JsonObject { ["image"] = Convert.ToBase64String(result.Image!) }
            : new JsonObject
            {
                ["diagnostics"] = new JsonArray(result.Diagnostics.Select(d => (JsonNode)new JsonObject
                {
                    ["line"] = d.Line, ["column"] = d.Column, ["code"] = d.Code, ["message"] = d.Message,
                }).ToArray()),
            };
    }

    /// <summary>The longest error message a worker sends; the rest is cut (a huge message is not a crash).</summary>
    private const int MaxErrorChars = 2048;

    private static async Task<JsonObject> ExecuteAsync(JsonObject request, Dictionary<string, MethodInfo> images, Pipe pipe)
    {
        var response = new JsonObject();
        var limits = request["limits"]!;
        var http = new HttpGate(pipe);
        MethodInfo? entry = null;
        try
        {
            var key = request["key"]!.GetValue<string>();
            if (request["image"]?.GetValue<string>() is { } image)
            {
                images[key] = Load(Convert.FromBase64String(image));
            }

            entry = images[key];
            var contextJson = request["context"]!;
            var secrets = contextJson["secrets"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
            var run = contextJson["run"]!;

            // Each log line goes to the host as it is written, so lines written before a failure, a limit or a kill
            // are kept.
            var context = new ScriptContext(secrets, contextJson["inputJson"]!.GetValue<string>(),
                new ScriptRunInfo(Text(run, "runId"), Text(run, "workflow"), Text(run, "node"), Text(run, "trigger")), contextJson.ToJsonString(),
                http.SendAsync, limits["maxLogChars"]!.GetValue<int>(), line => pipe.WriteAsync(new JsonObject { ["log"] = line }).GetAwaiter().GetResult());
            var budget = TimeSpan.FromMilliseconds(limits["timeoutMs"]!.GetValue<double>());
            var (value, limit, background) = await RunGuardedAsync(entry, context, budget, http.CloseAsync).ConfigureAwait(false);
            var serialized = limit is null && !background ? Serialize(value) : null;
            var refusal = limit ?? (background ? LimitKind.BackgroundWork : (LimitKind?)null)
                ?? (serialized!.Length > limits["maxResultChars"]!.GetValue<int>() ? LimitKind.Result : (LimitKind?)null);
            response["status"] = refusal is null ? "ok" : "limited";
            if (refusal is { } breached)
            {
                response["limit"] = breached.ToString();
            }
            else
            {
                response["value"] = serialized;
            }
        }
        catch (OutOfMemoryException)
        {
            await http.CloseAsync().ConfigureAwait(false);
            response["status"] = "limited";
            response["limit"] = nameof(LimitKind.Memory);
        }
        catch (Exception ex)
        {
            await http.CloseAsync().ConfigureAwait(false);
            var inner = ex is TargetInvocationException { InnerException: { } e } ? e : ex;
            if (inner is InsufficientExecutionStackException)
            {
                response["status"] = "limited";
                response["limit"] = nameof(LimitKind.Stack);
            }
            else
            {
                var message = inner.Message.Length > MaxErrorChars ? inner.Message[..MaxErrorChars] + " (cut)" : inner.Message;
                response["status"] = "error";
                response["error"] = $"{inner.GetType().Name}: {message}";
                if (ScriptLine(inner, entry) is { } line)
                {
                    response["line"] = line;
                }
            }
        }

        return response;
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
    private static async Task<(object? Value, LimitKind? Limit, bool Background)> RunGuardedAsync(MethodInfo factory, ScriptContext context, TimeSpan budget, Func<Task> settle)
    {
        var timers = Timer.ActiveCount;
        ScriptGuard.Begin(budget);
        object? value;
        try
        {
            // On a pool thread, whose stack (DOTNET_DefaultStackSize) is small; the main thread's is 8 MB.
            value = await Task.Run(() =>
            {
                ScriptFlow.Value = ScriptFlow;
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
    private static async Task<bool> LeftWorkRunningAsync(long timersBefore)
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
    private static JsonObject Probe(JsonObject probe)
    {
        var paths = new JsonObject();
        foreach (var path in probe["paths"]?.AsArray().Select(p => p!.GetValue<string>()) ?? [])
        {
            paths[path] = File.Exists(path) || Directory.Exists(path);
        }

        var reached = false;
        if (probe["port"]?.GetValue<int>() is { } port)
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

        return new JsonObject
        {
            ["probe"] = new JsonObject
            {
                ["environment"] = new JsonArray(Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
                ["paths"] = paths,
                ["interfaces"] = new JsonArray(Interfaces().Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
                ["reachedHostPort"] = reached,
                ["pid"] = Environment.ProcessId,
                ["status"] = Status(),
                ["namespaces"] = Namespaces(),
                ["limits"] = Limits(),
            },
        };
    }

    /// <summary>The network interfaces of the worker's network namespace, from /proc (no socket needed: the filter refuses netlink).</summary>
    private static IEnumerable<string> Interfaces() =>
        File.Exists("/proc/self/net/dev")
            ? File.ReadLines("/proc/self/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n.Length > 0)
            : NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name);

    /// <summary>Identity and confinement as the kernel reports them: uid and gid (real, effective), capabilities, no_new_privs, seccomp mode.</summary>
    private static JsonObject Status()
    {
        var status = new JsonObject();
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
    private static JsonObject Namespaces()
    {
        var namespaces = new JsonObject();
        foreach (var kind in (string[])["user", "pid", "net", "ipc", "uts", "mnt", "cgroup"])
        {
            namespaces[kind] = File.ResolveLinkTarget($"/proc/self/ns/{kind}", returnFinalTarget: false)?.ToString();
        }

        return namespaces;
    }

    /// <summary>The hard resource limits, from /proc/self/limits (name to hard value).</summary>
    private static JsonObject Limits()
    {
        var limits = new JsonObject();
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

    private static string Text(JsonNode run, string key) => run[key]?.GetValue<string>() ?? string.Empty;

    /// <summary>The worker's two pipe ends; writes are serialized.</summary>
    private sealed class Pipe(StreamReader reader, Stream output)
    {
        private readonly SemaphoreSlim _write = new(1, 1);

        public StreamReader Reader => reader;

        /// <summary>One message as it goes on the wire: a line of JSON.</summary>
        public static byte[] Frame(JsonObject message) => Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");

        public async Task WriteAsync(JsonObject message)
        {
            var bytes = Frame(message);
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

        public async Task<JsonObject> SendAsync(JsonObject request)
        {
            await _one.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closed)
                {
                    return new JsonObject { ["error"] = "the run has ended" };
                }

                await pipe.WriteAsync(new JsonObject { ["http"] = request }).ConfigureAwait(false);
                var line = await pipe.Reader.ReadLineAsync().ConfigureAwait(false) ?? throw new IOException("the host closed the pipe");
                return JsonNode.Parse(line)!.AsObject();
            }
            finally
            {
                _one.Release();
            }
        }

        public async Task CloseAsync()
        {
            await _one.WaitAsync().ConfigureAwait(false);
            _closed = true;
            _one.Release();
        }
    }
}
