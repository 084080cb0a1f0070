using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>
/// The worker side of the pipe protocol (one <see cref="WorkerMessage"/> per line each way). Runs only in worker
/// processes, never in the host. An execution worker (no arguments) runs compiled images in a fresh collectible load
/// context per run under <see cref="ScriptGuard"/>; during a run it may send <see cref="HttpCall"/> lines and read the
/// host's <see cref="HttpAnswer"/>s. A compile worker (<see cref="WorkerProtocol.CompileMode"/>) is a
/// <see cref="CompileLoop"/>. A line that is not a well-formed request ends the worker. The worker's state is this
/// object's, not static; <see cref="ScriptGuard"/>'s is static because the calls woven into scripts are.
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

    /// <summary>Creates an execution worker's loop.</summary>
    public ScriptWorker() => _scriptFlow = new(change =>
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

    /// <summary>
    /// Handles requests until <paramref name="input"/> closes; returns the process exit code (1 after a malformed
    /// request). Reads and answers block on the calling thread (the process's main thread): the standard streams have
    /// no asynchronous I/O of their own, so an awaited read or write is a blocking one on a pool thread plus a hop to it
    /// and back, per request and per answer.
    /// </summary>
    public int Run(StreamReader input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = JsonNode.Parse("{\"warm\":[1]}")!.ToJsonString();
        _ = JsonSerializer.Serialize(new { warm = 1 });
        // Every message of a run goes through the serializer once before "ready", so the code it runs is compiled
        // now, not in the background after the first run, where the host's idle check would count it against us.
        var context = new RunContext(new Dictionary<string, string> { ["a"] = "b" }, "{}", new ScriptRunInfo("r", "w", "n", "t"));
        _ = JsonSerializer.Serialize(context, WorkerJsonContext.Default.RunContext);
        foreach (var sample in (WorkerMessage[])[
            new RunRequest("k", [1], context, new RunLimits(TimeSpan.FromSeconds(1), 1, 1)), new LogLine("x"),
            new HttpCall("GET", "u", new Dictionary<string, string>(), null), new HttpAnswer(200, new Dictionary<string, string>(), "b", null),
            RunAnswer.Ok("1"), RunAnswer.Limited(LimitKind.Time), RunAnswer.Failed("e", 1)])
        {
            _ = WorkerProtocol.Read(WorkerProtocol.Write(sample));
        }

        var pipe = new WorkerPipe(input, output);
        pipe.Write(new ReadyMessage());
        while (input.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            WorkerMessage answer = WorkerProtocol.Read(line) switch
            {
                RunRequest run => ExecuteAsync(run, pipe).GetAwaiter().GetResult(),
                ProbeRequest probe => WorkerProbe.Answer(probe),
                _ => null!,
            };
            if (answer is null)
            {
                return 1;
            }

            pipe.Write(answer);
        }

        return 0;
    }

    private async Task<RunAnswer> ExecuteAsync(RunRequest request, WorkerPipe pipe)
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
                http.SendAsync, limits.MaxLogChars, line => pipe.Write(new LogLine(line)));
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
            return (null, Kind(ScriptGuard.End()) ?? LimitKind.Time, false);
        }

        // Judged while the guard still runs (ending it stops guarded loops, which would hide them).
        var background = await LeftWorkRunningAsync(timers).ConfigureAwait(false);
        return (value, Kind(ScriptGuard.End()), background);
    }

    /// <summary>
    /// True when the script left work behind: an async body of its own that has not finished, a timer, queued work, or
    /// a thread running its code. Work that is merely finishing gets a few milliseconds to drain; a loop or a pending
    /// delay is still there after them.
    /// </summary>
    /// <remarks>
    /// The async-body count (<see cref="ScriptGuard.AsyncBodies"/>) is what makes this independent of timing: a body
    /// is counted from its first statement until it completes, through every await, so a loop of awaits the script
    /// did not wait for is never zero, even in the instant its timer has fired and its continuation has not yet
    /// started, when no timer, queued item or script thread shows it. Scripts have no other way to schedule code:
    /// <c>Task.Run</c>, <c>ContinueWith</c>, awaiters' <c>OnCompleted</c>, timers and the thread pool are refused.
    /// </remarks>
    private async Task<bool> LeftWorkRunningAsync(long timersBefore)
    {
        // Quiet means quiet three looks in a row: no unfinished async body, no queued item, no new timer, no thread
        // running script code. Busy looks are retried with yields, then short sleeps (about 50 ms in all), since work
        // that is merely finishing needs no more.
        // Script code that runs while we look (a guard tick) is background work too.
        var ticks = ScriptGuard.Ticks;
        var quiet = 0;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            quiet = ScriptGuard.AsyncBodies == 0 && ThreadPool.PendingWorkItemCount == 0 && Timer.ActiveCount <= timersBefore
                && Volatile.Read(ref _scriptThreads) == 0 ? quiet + 1 : 0;
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

    /// <summary>The limit the guard tripped, as the protocol names it.</summary>
    private static LimitKind? Kind(ScriptLimit? tripped) => tripped switch
    {
        null => null,
        ScriptLimit.Stack => LimitKind.Stack,
        ScriptLimit.Output => LimitKind.Output,
        _ => LimitKind.Time,
    };

    private static async Task<object?> InvokeAsync(MethodInfo factory, ScriptContext context)
    {
        var states = new object?[2];
        states[0] = new ScriptGlobals(context);
        var task = (Task<object>)factory.Invoke(null, [states])!;
        return await task.ConfigureAwait(false);
    }

    private static string Serialize(object? value) => value switch
    {
        null => "null",
        JsonNode node => node.ToJsonString(),
        string s => JsonSerializer.Serialize(s),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };
}
