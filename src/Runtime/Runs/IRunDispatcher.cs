namespace Secrets.Runtime.Runs;

/// <summary>
/// Hands a queued run to whatever executes runs on other machines (Hangfire today). It carries the run id only: the
/// workflow and the request stay in the run table, so the queue engine never stores anything but an id.
/// </summary>
internal interface IRunDispatcher
{
    /// <summary>Puts run <paramref name="runId"/> on queue <paramref name="queue"/>; returns the engine's job id.</summary>
    Task<string> EnqueueAsync(string runId, string queue, CancellationToken cancellationToken = default);

    /// <summary>Takes a job off its queue if no worker has started it (a started run stops through its cancel flag).</summary>
    Task RemoveAsync(string jobId, CancellationToken cancellationToken = default);
}
