using System.Security.Cryptography;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Postgres;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Runs;

/// <summary>
/// The enqueuing side of queued runs over the shared PostgreSQL database: creates the run row (workflow and request),
/// hands the run id to a dispatcher, shows a run's status and attempts, cancels, and lists live workers.
/// </summary>
internal sealed class RunQueue : IAsyncDisposable
{
    /// <summary>The queue runs go to when none is named.</summary>
    public const string DefaultQueue = "default";

    private readonly PostgresRunQueue _rows;
    private readonly IRunDispatcher? _dispatcher;

    private RunQueue(PostgresRunQueue rows, IRunDispatcher? dispatcher)
    {
        _rows = rows;
        _dispatcher = dispatcher;
    }

    /// <summary>Connects to the database (an Npgsql connection string or a <c>postgresql://</c> URI) and migrates it when needed.</summary>
    /// <param name="database">The shared database.</param>
    /// <param name="dispatcher">Where runs are handed for execution; null for a queue that only reads and cancels.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <exception cref="Store.StoreException">The connection is malformed, or the server is unreachable or refuses.</exception>
    public static async Task<RunQueue> OpenAsync(string database, IRunDispatcher? dispatcher, CancellationToken cancellationToken = default) =>
        new(await PostgresRunQueue.OpenAsync(database, cancellationToken).ConfigureAwait(false), dispatcher);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _rows.DisposeAsync();

    /// <summary>
    /// Creates the run row (status <c>queued</c>) and enqueues its id; returns the run id. The row holds the workflow
    /// (code node files inlined) and the request; the queue engine gets the id alone.
    /// </summary>
    /// <exception cref="SecretsRuntimeException">The queue name is invalid, or this queue has no dispatcher.</exception>
    public async Task<string> SubmitAsync(WorkflowDefinition workflow, RunRequest request, string queue = DefaultQueue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(request);
        CheckQueueName(queue);
        var dispatcher = _dispatcher ?? throw new SecretsRuntimeException(QueueErrors.NoDispatcherCode, ErrorKind.Internal, "this run queue was opened without a dispatcher and cannot enqueue");
        var runId = request.RunId is { } given ? RunRecordStore.CheckId(given) : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await _rows.CreateAsync(runId, workflow.Name, queue, QueuedWork.Workflow(workflow), QueuedWork.Request(request), cancellationToken).ConfigureAwait(false);
        var job = await dispatcher.EnqueueAsync(runId, queue, cancellationToken).ConfigureAwait(false);
        await _rows.SetJobAsync(runId, job, cancellationToken).ConfigureAwait(false);
        return runId;
    }

    /// <summary>
    /// Cancels a run: a queued one at once (and its job is taken off the queue); a running one is stopped by the worker
    /// holding it, which the request wakes. Returns the status after the request (<c>running</c> until the worker stops it).
    /// </summary>
    /// <exception cref="SecretsRuntimeException">No queued run has that id.</exception>
    public async Task<QueuedRunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunRecordStore.CheckId(runId);
        var answer = await _rows.RequestCancelAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(runId);
        if (answer.Status == QueuedRunStatus.Cancelled && answer.JobId is { } job && _dispatcher is not null)
        {
            await _dispatcher.RemoveAsync(job, cancellationToken).ConfigureAwait(false);
        }

        return answer.Status;
    }

    /// <summary>The run's status, attempts (with their node records) and final record; null when no queued run has that id.</summary>
    public Task<QueuedRun?> FindAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunRecordStore.CheckId(runId);
        return _rows.FindAsync(runId, cancellationToken);
    }

    /// <summary>Every queued run (queued, running and ended), newest first, without attempts or records.</summary>
    public Task<IReadOnlyList<QueuedRun>> ListAsync(CancellationToken cancellationToken = default) => _rows.ListAsync(cancellationToken);

    /// <summary>The run's status alone, or null when no queued run has that id: a cheap read for waiting on a run.</summary>
    public Task<QueuedRunStatus?> StatusAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunRecordStore.CheckId(runId);
        return _rows.StatusAsync(runId, cancellationToken);
    }

    /// <summary>Live workers (heartbeat younger than their lease), their concurrency and the runs they hold.</summary>
    public Task<IReadOnlyList<WorkerInfo>> WorkersAsync(CancellationToken cancellationToken = default) => _rows.ListWorkersAsync(cancellationToken);

    /// <summary>Refuses a queue name other than 1 to 50 lower-case letters, digits and '_' (what every queue engine accepts).</summary>
    /// <exception cref="SecretsRuntimeException">The name breaks the rule.</exception>
    public static string CheckQueueName(string queue)
    {
        if (string.IsNullOrEmpty(queue) || queue.Length > 50 || !queue.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new SecretsRuntimeException(QueueErrors.NameInvalidCode, ErrorKind.InvalidInput, "a queue name is 1 to 50 characters: lower-case letters, digits and '_'");
        }

        return queue;
    }

    private static SecretsRuntimeException NotFound(string runId) =>
        new(WorkflowErrors.RunNotFoundCode, ErrorKind.NotFound, $"no queued run with id '{runId}'");
}
