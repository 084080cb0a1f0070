using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Runs;

/// <summary>
/// Starts runs in the background and keeps their live feeds. On shutdown it stops taking runs and waits for the
/// in-flight ones until the host's shutdown timeout, then cancels what is left.
/// </summary>
// The executor is resolved on first use: hosted services are built before the runtime opens.
internal sealed class RunCoordinator(IServiceProvider services, ILogger<RunCoordinator> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, (RunFeed Feed, Task Task)> _active = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _stopping;

    /// <summary>Runs in flight now.</summary>
    public int InFlight => _active.Count;

    /// <summary>Starts <paramref name="workflow"/> for <paramref name="startedBy"/>; the feed has the run's id at once.</summary>
    public RunFeed Start(WorkflowDefinition workflow, RunRequest request, string startedBy)
    {
        if (_stopping)
        {
            throw new Problems.ApiProblemException(Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable, Secrets.Runtime.Server.Problems.ApiErrors.ServerStoppingCode, "the server is shutting down and takes no new runs");
        }

        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        // Who started the run lives on its feed while it runs and on its record after: nothing here outlives the run.
        var feed = new RunFeed(runId, startedBy, request.Principal?.UserId ?? request.User, workflow.Project);
        var task = Task.Run(async () =>
        {
            try
            {
                var record = await services.GetRequiredService<WorkflowExecutor>().RunAsync(workflow, request with { RunId = runId }, feed, _abort.Token).ConfigureAwait(false);
                feed.Complete(record);
            }
#pragma warning disable CA1031 // A background run's failure goes to its feed; the caller waiting on it sees it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning("run {RunId} failed with {ExceptionType}", runId, ex.GetType().Name);
                feed.Fail(ex);
            }
            finally
            {
                _active.TryRemove(runId, out _);
            }
        });
        _active[runId] = (feed, task);
        return feed;
    }

    /// <summary>The live feed of a run in flight, or null.</summary>
    public RunFeed? Find(string runId) => _active.TryGetValue(runId, out var entry) ? entry.Feed : null;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var running = _active.Values.Select(e => e.Task).ToArray();
        if (running.Length == 0)
        {
            return;
        }

        logger.LogInformation("waiting for {Count} run(s) in flight", running.Length);
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("shutdown timeout: cancelling {Count} run(s) still in flight", _active.Count);
            await _abort.CancelAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _abort.Dispose();
}
