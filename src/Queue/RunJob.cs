using Hangfire;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Queue;

/// <summary>
/// The Hangfire job of a queued run. Its only argument is the run id (Hangfire stores arguments as plain JSON); the
/// workflow and request stay in the run table, and the lease there decides which delivery executes the run.
/// </summary>
internal sealed class RunJob
{
    private readonly QueuedRunWorker _worker;

    /// <summary>Creates the job over this process's worker.</summary>
    public RunJob(QueuedRunWorker worker) => _worker = worker;

    /// <summary>
    /// Executes the run as one attempt. An attempt that ends without a result (an infrastructure error) throws, and
    /// Hangfire retries it with back-off (10 retries: more than <see cref="RunQueueOptions.MaxAttempts"/> allows, so
    /// the run's own attempt limit ends it as failed first); a failed node is a result and returns normally.
    /// </summary>
    /// <param name="runId">The run id, the job's only stored argument.</param>
    /// <param name="cancellationToken">Hangfire's shutdown token.</param>
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [1, 2, 4, 8, 15, 30, 60, 60, 60, 60], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task ExecuteAsync(string runId, CancellationToken cancellationToken) => _worker.ExecuteAsync(runId, cancellationToken);
}
