using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Server.Runs;

/// <summary>
/// The server's side of queued runs over the shared PostgreSQL database: with <see cref="SecretsServerOptions.Queue"/>
/// the run endpoints enqueue here instead of running in this process; on any PostgreSQL store the API shows, lists
/// and cancels queued runs (also those <c>run --queue</c> enqueued) and lists live workers. On the embedded SQLite
/// store there is no queue. The queue opens when the host starts (serve --queue fails then without a shared store).
/// </summary>
internal sealed class QueuedRuns(IServiceProvider services, SecretsServerOptions options) : IHostedService, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RunQueue? _queue;
    private bool _opened;

    /// <summary>Whether the run endpoints enqueue (serve --queue) rather than run in this process.</summary>
    public bool Enqueues => options.Queue is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enqueues && await QueueAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new StoreException(QueueErrors.StoreNotSharedCode, ErrorKind.InvalidInput, "serve --queue needs the shared PostgreSQL store: pass --database or set SECRETS_RUNTIME_DATABASE");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The queue, or null on a store that is not the shared PostgreSQL one.</summary>
    public async Task<RunQueue?> QueueAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _opened))
        {
            return _queue;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_opened)
            {
                var database = services.GetRequiredService<SecretsRuntime>().Configuration.Store.Database;
                _queue = database is null
                    ? null
                    : await RunQueue.OpenAsync(database, Enqueues ? new HangfireRunDispatcher(database, options.QueueOptions) : null, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _opened, true);
            }

            return _queue;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Creates the run row and enqueues it on the configured queue; returns the run id.</summary>
    public async Task<string> SubmitAsync(WorkflowDefinition workflow, RunRequest request, CancellationToken cancellationToken)
    {
        var queue = await QueueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new StoreException(QueueErrors.StoreNotSharedCode, ErrorKind.InvalidInput, "queued runs need the shared PostgreSQL store");
        return await queue.SubmitAsync(workflow, request, options.Queue ?? RunQueue.DefaultQueue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The queued run with that id (attempts and record included), or null: not queued, or no queue here.</summary>
    public async Task<QueuedRun?> FindAsync(string runId, CancellationToken cancellationToken) =>
        await QueueAsync(cancellationToken).ConfigureAwait(false) is { } queue ? await queue.FindAsync(runId, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Every queued run without attempts or records; empty without a queue.</summary>
    public async Task<IReadOnlyList<QueuedRun>> ListAsync(CancellationToken cancellationToken) =>
        await QueueAsync(cancellationToken).ConfigureAwait(false) is { } queue ? await queue.ListAsync(cancellationToken).ConfigureAwait(false) : [];

    /// <summary>Live workers; empty without a queue.</summary>
    public async Task<IReadOnlyList<WorkerInfo>> WorkersAsync(CancellationToken cancellationToken) =>
        await QueueAsync(cancellationToken).ConfigureAwait(false) is { } queue ? await queue.WorkersAsync(cancellationToken).ConfigureAwait(false) : [];

    /// <summary>
    /// Waits until the run has ended (succeeded, failed or cancelled) and returns it. It reads the run's status alone,
    /// every 50 ms at first and at most every 500 ms, so a long run costs one cheap query a second or so.
    /// </summary>
    public async Task<QueuedRun> WaitAsync(string runId, CancellationToken cancellationToken)
    {
        var queue = await QueueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new StoreException(QueueErrors.StoreNotSharedCode, ErrorKind.InvalidInput, "queued runs need the shared PostgreSQL store");
        var pause = TimeSpan.FromMilliseconds(50);
        while (await queue.StatusAsync(runId, cancellationToken).ConfigureAwait(false) is QueuedRunStatus.Queued or QueuedRunStatus.Running)
        {
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = pause * 2 > TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : pause * 2;
        }

        return await queue.FindAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new SecretsRuntimeException(Secrets.Runtime.Workflows.WorkflowErrors.RunNotFoundCode, ErrorKind.NotFound, $"queued run '{runId}' is gone");
    }

    /// <summary>Cancels a queued or running run; returns its status after the request.</summary>
    public async Task<QueuedRunStatus> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        var queue = await QueueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new StoreException(QueueErrors.StoreNotSharedCode, ErrorKind.InvalidInput, "queued runs need the shared PostgreSQL store");
        return await queue.CancelAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_queue is not null)
        {
            await _queue.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
