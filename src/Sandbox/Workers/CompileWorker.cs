using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The host's client of the compile worker: one pre-warmed worker process (<c>--compile</c>) that keeps Roslyn warm,
/// so Roslyn never runs in the host or on the execution path. Compiles are sent one at a time, under a time budget
/// and the worker's GC heap hard limit: a nesting or constant-folding bomb ends that worker, not the host, and the
/// next compile starts a new one. Images that come back are checked again on metadata before use.
/// </summary>
internal sealed class CompileWorker : IDisposable
{
    private readonly Func<WorkerProcess> _start;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _one = new(1, 1);
    private WorkerProcess? _worker;

    public CompileWorker(Func<WorkerProcess> start, TimeSpan timeout)
    {
        _start = start;
        _timeout = timeout;
    }

    /// <summary>The current worker's process id, or null when none is running.</summary>
    public int? ProcessId => _worker?.ProcessId;

    /// <summary>How many scripts were sent to a compile worker (cache misses).</summary>
    public int Compiles { get; private set; }

    /// <summary>Starts the worker now (it warms Roslyn up before it reports ready), so the first compile is fast.</summary>
    public void Prewarm()
    {
        // Never waits: a compile in progress means the worker is already up.
        if (!_one.Wait(0))
        {
            return;
        }

        try
        {
            _worker ??= _start();
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Compiles <paramref name="source"/>; a breached budget comes back as a limit diagnostic (SR0100).</summary>
    public async Task<(ScriptCompilation Compilation, bool Limited)> CompileAsync(string source, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Compiles++;

            // A worker that fails to start (a transient fork or namespace failure), that died while it waited for work,
            // or that vanished without a word while it had the script (killed from outside: an OOM killer, an operator)
            // gets one replacement. Compiling has no side effects, so sending the script again loses nothing; a breached
            // budget (time, memory) or a crash with a message is the script's doing and is never retried.
            for (var attempt = 0; ; attempt++)
            {
                var (compilation, limited, lost) = await AttemptAsync(source, cancellationToken).ConfigureAwait(false);
                if (lost is null)
                {
                    return (compilation!, limited);
                }

                if (attempt == 1)
                {
                    return (Failed(lost), true);
                }
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>One try on the current (or a new) worker; <c>Lost</c> is set, with the worker's last words, when it vanished.</summary>
    private async Task<(ScriptCompilation? Compilation, bool Limited, string? Lost)> AttemptAsync(string source, CancellationToken cancellationToken)
    {
        _worker ??= _start();
        if (!await _worker.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false) || _worker.HasExited)
        {
            return (null, true, await RetireAsync().ConfigureAwait(false));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        string? line;
        try
        {
            await _worker.SendAsync(WorkerProtocol.Write(new CompileRequest(source)), timeout.Token).ConfigureAwait(false);
            line = await _worker.ReadLineAsync(64 * 1024 * 1024, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await RetireAsync().ConfigureAwait(false);
            return (Limit("compile time"), true, null);
        }
        catch (IOException)
        {
            line = null;
        }

        if (line is null)
        {
            // Stderr says why a worker that had the script ended (out of memory, a stack overflow): the script's doing.
            // One that ended without a word was killed from outside, and the script is sent to a new one.
            var (reason, silent) = await RetireWithStatusAsync().ConfigureAwait(false);
            return reason.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase) ? (Limit("compile memory"), true, null)
                : silent ? (null, true, reason)
                : (Failed(reason), true, null);
        }

        // A line that is not a well-formed answer refuses the script and retires the worker.
        switch (WorkerProtocol.Read(line))
        {
            case CompileAnswer { Image: { } image }:
                return (ScriptCompiler.Checked(image), false, null);
            case CompileAnswer { Diagnostics: { } diagnostics }:
                return (new ScriptCompilation(null, diagnostics), false, null);
            default:
                await RetireAsync().ConfigureAwait(false);
                return (Broken(), true, null);
        }
    }

    public void Dispose() => _worker?.Dispose();

    /// <summary>
    /// Kills the current worker (the next compile starts a new one) and returns the tail of its stderr, or its exit
    /// status when it said nothing.
    /// </summary>
    private async Task<string> RetireAsync() => (await RetireWithStatusAsync().ConfigureAwait(false)).Errors;

    private async Task<(string Errors, bool Silent)> RetireWithStatusAsync()
    {
        var worker = _worker!;
        _worker = null;
        worker.Kill();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var errors = worker.ErrorTail;
        var exit = worker.ExitCode;
        worker.Dispose();
        return string.IsNullOrWhiteSpace(errors) ? (exit >= 0 ? $"exit {exit}, no message" : "no message", true) : (errors, false);
    }

    private static ScriptCompilation Limit(string which) =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0100", $"limit exceeded: {which}")]);

    private static ScriptCompilation Broken() =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0102", "the compile worker failed (its answer does not follow the protocol)")]);

    private static ScriptCompilation Failed(string errors) =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0102", $"the compile worker failed ({errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]})")]);
}
