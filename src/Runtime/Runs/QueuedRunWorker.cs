using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Postgres;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Serilog;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Runs;

/// <summary>
/// The executing side of queued runs, whatever delivers them: claims a run with a lease (owner, expiry, attempt),
/// renews the lease while the run executes, stops the run when it is cancelled or the lease is lost, keeps node
/// records per attempt, and ends the attempt with its result. A queue engine that delivers a job twice cannot run a
/// run twice at once: the second delivery waits for the first lease to end.
/// </summary>
internal sealed class QueuedRunWorker : IAsyncDisposable
{
    private readonly PostgresRunQueue _rows;
    private readonly SecretStore _store;
    private readonly WorkflowExecutor _executor;
    private readonly RunQueueOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private QueuedRunWorker(PostgresRunQueue rows, SecretStore store, WorkflowExecutor executor, RunQueueOptions options, ILogger logger, string id)
    {
        _rows = rows;
        _store = store;
        _executor = executor;
        _options = options;
        _logger = logger;
        Id = id;
    }

    /// <summary>This worker's id: host, process id and a random suffix.</summary>
    public string Id { get; }

    /// <summary>
    /// Connects to the shared database, waits until <paramref name="store"/>'s change listener and this worker's cancel
    /// listener are in place, and registers the worker. Take jobs only after this returns: before, a rotation or a
    /// cancel could go unseen.
    /// </summary>
    /// <param name="database">The shared database (the store's).</param>
    /// <param name="store">The secret store over the same database; runs read values through it.</param>
    /// <param name="executor">Executes the runs (its sandbox pools and redactor are the worker's).</param>
    /// <param name="options">Lease and retry settings.</param>
    /// <param name="concurrency">How many runs execute at once (shown by <c>workers</c>).</param>
    /// <param name="queues">The queues this worker takes runs from (shown by <c>workers</c>).</param>
    /// <param name="logger">Where worker events go (through the redactor).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="StoreException">The database is unreachable, or the store is not the shared PostgreSQL one.</exception>
    public static async Task<QueuedRunWorker> StartAsync(string database, SecretStore store, WorkflowExecutor executor, RunQueueOptions options, int concurrency, IReadOnlyList<string> queues, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        if (store.Rows is not PostgresSecretRows secretRows)
        {
            throw new StoreException(QueueErrors.StoreNotSharedCode, ErrorKind.InvalidInput, "a worker needs the shared PostgreSQL store: pass --database or set SECRETS_RUNTIME_DATABASE");
        }

        var rows = await PostgresRunQueue.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        var id = string.Create(CultureInfo.InvariantCulture, $"{System.Environment.MachineName}:{System.Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        var worker = new QueuedRunWorker(rows, store, executor, options, logger, id);
        try
        {
            // The store's change listener first: a worker that took runs without it would serve cached values past a rotation.
            var seconds = options.ListenerTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.ListenerTimeout);
            while (secretRows.Feed.Listens && secretRows.Feed.ListenerProcessId == 0)
            {
                try
                {
                    await Task.Delay(20, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new StoreException(QueueErrors.ListenerDownCode, ErrorKind.Internal, $"the store's change listener did not connect to {store.Location} within {seconds} s; the worker takes no runs without it (check the database, or raise --listener-timeout)");
                }
            }

            // Then its own cancel listener: a worker that took runs without it would stop a cancelled run only at its next renewal.
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            worker._loops.Add(Task.Run(() => rows.ListenForCancelsAsync(worker.OnCancelNotified, () => listening.TrySetResult(), worker._stop.Token), CancellationToken.None));
            try
            {
                await listening.Task.WaitAsync(options.ListenerTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new StoreException(QueueErrors.ListenerDownCode, ErrorKind.Internal, $"the worker's cancel listener did not connect to {store.Location} within {seconds} s; the worker takes no runs without it (check the database, or raise --listener-timeout)");
            }

            await rows.RegisterWorkerAsync(id, System.Environment.MachineName, System.Environment.ProcessId, concurrency, queues, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            worker._loops.Add(Task.Run(() => worker.KeepLeasesAsync(worker._stop.Token), CancellationToken.None));
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        try
        {
            await _rows.RemoveWorkerAsync(Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException)
        {
            // The row ages out: workers list only heartbeats younger than the lease.
        }

        await _rows.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Executes run <paramref name="runId"/> as one attempt, if no other worker holds it and it is not finished.
    /// Returns normally when the run has a result (succeeded, failed, cancelled) or belongs to another attempt.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="shutdown">Fires when the worker stops: the run goes back on the queue.</param>
    /// <exception cref="SecretsRuntimeException">The attempt ended without a result (an infrastructure error): the run is back on the queue and the caller should retry with back-off. The message holds codes only.</exception>
    /// <exception cref="OperationCanceledException">The worker is stopping; the run is back on the queue.</exception>
    public async Task ExecuteAsync(string runId, CancellationToken shutdown)
    {
        RunRecordStore.CheckId(runId);
        RunClaim claim;
        while (true)
        {
            var answer = await _rows.TryClaimAsync(runId, Id, _options.LeaseDuration, shutdown).ConfigureAwait(false);
            if (answer.Claim is { } claimed)
            {
                claim = claimed;
                break;
            }

            if (answer.Refusal is ClaimRefusal.NotFound or ClaimRefusal.Finished)
            {
                _logger.Information("run {RunId}: nothing to do ({Refusal})", runId, answer.Refusal);
                return;
            }

            // Delivered twice: another worker holds a live lease. Wait for it to end (finished, or expired if that worker died).
            var wait = answer.LeasedUntil is { } until ? until - _options.Time.GetUtcNow() : _options.RenewInterval;
            await Task.Delay(wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait + TimeSpan.FromMilliseconds(50), shutdown).ConfigureAwait(false);
        }

        var log = _logger.ForContext("RunId", runId).ForContext("Attempt", claim.Attempt);
        if (claim.Attempt > _options.MaxAttempts)
        {
            log.Warning("run {RunId}: attempt {Attempt} is over the limit of {MaxAttempts}; failed", runId, claim.Attempt, _options.MaxAttempts);
            await _rows.CompleteAsync(runId, Id, claim.Attempt, QueuedRunStatus.Failed, QueueErrors.AttemptsExhaustedCode, null, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var active = new ActiveRun(claim.Attempt, stop, _options.Time.GetUtcNow());
        _active[runId] = active;
        var nodes = new NodeRecorder(_rows, runId, claim.Attempt);
        try
        {
            log.Information("run {RunId}: attempt {Attempt} started on {Worker}", runId, claim.Attempt, Id);
            var workflow = WorkflowLoader.Parse(claim.Workflow);
            var request = await WithCurrentGrantsAsync(QueuedWork.ParseRequest(runId, claim.Request), stop.Token).ConfigureAwait(false);
            var record = await _executor.RunAsync(workflow, request, nodes, stop.Token).ConfigureAwait(false);
            await nodes.Completion.ConfigureAwait(false);
            if (record.Status == RunStatus.Failed && record.Nodes.FirstOrDefault(n => n.Status == RunStatus.Failed)?.ErrorCode is { } code && IsInfrastructure(code))
            {
                throw new StoreException(code, ErrorKind.Internal, "a node could not reach the store");
            }

            var status = record.Status == RunStatus.Succeeded ? QueuedRunStatus.Succeeded : QueuedRunStatus.Failed;
            if (!await _rows.CompleteAsync(runId, Id, claim.Attempt, status, status == QueuedRunStatus.Failed ? QueueErrors.RunNodeFailedCode : null, record, CancellationToken.None).ConfigureAwait(false))
            {
                log.Warning("run {RunId}: attempt {Attempt} finished after losing its lease; the attempt that took over stands", runId, claim.Attempt);
            }
            else
            {
                log.Information("run {RunId}: attempt {Attempt} {Status}", runId, claim.Attempt, status);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await nodes.Completion.ConfigureAwait(false);
            switch (active.StopReason)
            {
                case StopReason.Cancelled:
                    await _rows.CompleteAsync(runId, Id, claim.Attempt, QueuedRunStatus.Cancelled, QueueErrors.RunCancelledCode, null, CancellationToken.None).ConfigureAwait(false);
                    log.Information("run {RunId}: cancelled during attempt {Attempt}", runId, claim.Attempt);
                    return;
                case StopReason.LeaseLost:
                    log.Warning("run {RunId}: attempt {Attempt} lost its lease and stopped", runId, claim.Attempt);
                    return;
                default:
                    await ReleaseQuietlyAsync(runId, claim.Attempt, "worker.shutdown", log).ConfigureAwait(false);
                    throw;
            }
        }
        catch (Exception ex) when (ex is InvalidWorkflowException || ex is SecretsRuntimeException { Code: QueueErrors.RequestCorruptCode })
        {
            // The row was validated when enqueued; one that no longer parses is a result, never retried.
            await _rows.CompleteAsync(runId, Id, claim.Attempt, QueuedRunStatus.Failed, ex is InvalidWorkflowException ? WorkflowErrors.InvalidCode : QueueErrors.RequestCorruptCode, null, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any other failure ends the attempt without a result: back on the queue, or failed after the last attempt.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await nodes.Completion.ConfigureAwait(false);
            var code = ex is SecretsRuntimeException known ? known.Code : "worker.unexpected_" + ex.GetType().Name;
            if (claim.Attempt >= _options.MaxAttempts)
            {
                log.Error("run {RunId}: attempt {Attempt} ended with {Code}, the last allowed; failed", runId, claim.Attempt, code);
                await _rows.CompleteAsync(runId, Id, claim.Attempt, QueuedRunStatus.Failed, code, null, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            log.Warning("run {RunId}: attempt {Attempt} ended with {Code}; back on the queue", runId, claim.Attempt, code);
            await ReleaseQuietlyAsync(runId, claim.Attempt, code, log).ConfigureAwait(false);
            throw new SecretsRuntimeException(QueueErrors.RetryCode, ErrorKind.Internal, string.Create(CultureInfo.InvariantCulture, $"run {runId}: attempt {claim.Attempt} ended with {code}; it is retried"));
        }
        finally
        {
            _active.TryRemove(runId, out _);
        }
    }

    /// <summary>
    /// The queued principal with the grants its user holds now: a run may wait in the queue for long, and a grant
    /// revoked meanwhile must not be used. The token's scopes and id stay as they were when the run was enqueued.
    /// </summary>
    private async Task<RunRequest> WithCurrentGrantsAsync(RunRequest request, CancellationToken cancellationToken)
    {
        if (request.Principal is not { } queued)
        {
            return request;
        }

        var current = await _store.Access.PrincipalAsync(queued.UserId, cancellationToken).ConfigureAwait(false);
        return request with { Principal = current with { Scopes = queued.Scopes, TokenId = queued.TokenId, ActingUser = queued.ActingUser } };
    }

    private static bool IsInfrastructure(string code) => code is StoreErrors.DatabaseUnavailableCode or QueueErrors.ListenerDownCode;

    private async Task ReleaseQuietlyAsync(string runId, int attempt, string code, ILogger log)
    {
        try
        {
            await _rows.ReleaseAsync(runId, Id, attempt, code, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            // The lease then expires on its own, and the next delivery takes the run over.
            log.Warning("run {RunId}: could not put it back on the queue ({Code}); its lease will expire", runId, ex.Code);
        }
    }

    private void OnCancelNotified(string runId)
    {
        if (_active.ContainsKey(runId))
        {
            _wake.Release();
        }
    }

    private async Task KeepLeasesAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.RenewInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await _rows.HeartbeatAsync(Id, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException)
            {
                // Leases below decide what a lost database means for each run.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var held = _active.ToArray();
            if (held.Length == 0)
            {
                continue;
            }

            try
            {
                var states = await _rows.RenewAllAsync(Id, held.Select(h => (h.Key, h.Value.Attempt)).ToList(), _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
                foreach (var (runId, run) in held)
                {
                    switch (states[runId])
                    {
                        case LeaseState.Held:
                            run.Renewed = _options.Time.GetUtcNow();
                            break;
                        case LeaseState.CancelRequested:
                            run.Stop(StopReason.Cancelled);
                            break;
                        default:
                            run.Stop(StopReason.LeaseLost);
                            break;
                    }
                }
            }
            catch (StoreException)
            {
                // Not renewed: once a lease has run out, another worker may take that run, so this one stops it.
                foreach (var (_, run) in held.Where(h => _options.Time.GetUtcNow() - h.Value.Renewed >= _options.LeaseDuration))
                {
                    run.Stop(StopReason.LeaseLost);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Why a running attempt was stopped.</summary>
    private enum StopReason
    {
        None,
        Cancelled,
        LeaseLost,
    }

    private sealed class ActiveRun(int attempt, CancellationTokenSource stop, DateTimeOffset renewed)
    {
        private int _reason;

        public int Attempt { get; } = attempt;

        public DateTimeOffset Renewed { get; set; } = renewed;

        public StopReason StopReason => (StopReason)Volatile.Read(ref _reason);

        public void Stop(StopReason reason)
        {
            if (Interlocked.CompareExchange(ref _reason, (int)reason, 0) == 0)
            {
                stop.Cancel();
            }
        }
    }

    /// <summary>Saves each node's masked record as it finishes, keyed by (run, node, attempt), one after another.</summary>
    private sealed class NodeRecorder(PostgresRunQueue rows, string runId, int attempt) : IProgress<NodeProgress>
    {
        private Task _last = Task.CompletedTask;

        public Task Completion => SwallowAsync(_last);

        public void Report(NodeProgress value)
        {
            if (value.Record is { } record)
            {
                _last = SaveAfterAsync(_last, record);
            }
        }

        private async Task SaveAfterAsync(Task previous, NodeRecord record)
        {
            await SwallowAsync(previous).ConfigureAwait(false);
            await rows.SaveNodeAsync(runId, attempt, record, CancellationToken.None).ConfigureAwait(false);
        }

        private static async Task SwallowAsync(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (StoreException)
            {
                // A node record that could not be saved leaves a gap in the attempt's history, not a failed run.
            }
        }
    }
}
