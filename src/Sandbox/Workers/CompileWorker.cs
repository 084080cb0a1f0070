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
            // A worker that fails to start (a transient fork or namespace failure), or that died while it waited for
            // work, gets one replacement: no script has been sent to it, so its end is not this script's doing.
            for (var attempt = 0; ; attempt++)
            {
                _worker ??= _start();
                if (await _worker.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false) && !_worker.HasExited)
                {
                    break;
                }

                var errors = await RetireAsync().ConfigureAwait(false);
                if (attempt == 1)
                {
                    return (Failed(errors), true);
                }
            }

            Compiles++;
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
                return (Limit("compile time"), true);
            }
            catch (IOException)
            {
                line = null;
            }

            if (line is null)
            {
                var reason = await RetireAsync().ConfigureAwait(false);
                return (reason.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase) ? Limit("compile memory") : Failed(reason), true);
            }

            // A line that is not a well-formed answer refuses the script and retires the worker.
            switch (WorkerProtocol.Read(line))
            {
                case CompileAnswer { Image: { } image }:
                    return (ScriptCompiler.Checked(image), false);
                case CompileAnswer { Diagnostics: { } diagnostics }:
                    return (new ScriptCompilation(null, diagnostics), false);
                default:
                    await RetireAsync().ConfigureAwait(false);
                    return (Broken(), true);
            }
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _worker?.Dispose();

    /// <summary>Kills the current worker (the next compile starts a new one) and returns the tail of its stderr.</summary>
    private async Task<string> RetireAsync()
    {
        var worker = _worker!;
        _worker = null;
        worker.Kill();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var errors = worker.ErrorTail;
        worker.Dispose();
        return errors;
    }

    private static ScriptCompilation Limit(string which) =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0100", $"limit exceeded: {which}")]);

    private static ScriptCompilation Broken() =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0102", "the compile worker failed (its answer does not follow the protocol)")]);

    private static ScriptCompilation Failed(string errors) =>
        new(null, [new ScriptDiagnostic(1, 1, "SR0102", $"the compile worker failed ({errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no message"})")]);
}
