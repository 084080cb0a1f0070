using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Queue;

/// <summary>Enqueues runs as Hangfire jobs in the shared PostgreSQL database; each job's only argument is the run id.</summary>
internal sealed class HangfireRunDispatcher : IRunDispatcher
{
    private readonly BackgroundJobClient _client;

    /// <summary>Creates a dispatcher over Hangfire's tables in <paramref name="database"/> (created on first use).</summary>
    /// <param name="database">The shared database: an Npgsql connection string or a <c>postgresql://</c> URI.</param>
    /// <param name="options">The run queue settings (Hangfire's invisibility timeout follows the lease).</param>
    public HangfireRunDispatcher(string database, RunQueueOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        _client = new BackgroundJobClient(QueueStorage.Create(database, (options ?? new RunQueueOptions()).LeaseDuration));
    }

    /// <inheritdoc />
    public Task<string> EnqueueAsync(string runId, string queue, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var job = Job.FromExpression<RunJob>(j => j.ExecuteAsync(runId, CancellationToken.None));
        return Task.FromResult(_client.Create(job, new EnqueuedState(RunQueue.CheckQueueName(queue))));
    }

    /// <inheritdoc />
    public Task RemoveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _client.Delete(jobId);
        return Task.CompletedTask;
    }
}
