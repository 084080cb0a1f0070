using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// The rows of queued runs in the shared database: the run (workflow, request, status), its lease (owner, expiry,
/// attempt), every attempt, node records keyed by (run, node, attempt), and the live workers. Every state change is
/// one conditional UPDATE, so two workers can never both hold a run.
/// </summary>
internal sealed class PostgresRunQueue : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    private readonly PostgresDatabase _database;

    private PostgresRunQueue(PostgresDatabase database) => _database = database;

    public PostgresDatabase Database => _database;

    public static async Task<PostgresRunQueue> OpenAsync(string connection, CancellationToken cancellationToken) =>
        new(await PostgresDatabase.OpenAsync(connection, cancellationToken).ConfigureAwait(false));

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    public Task CreateAsync(string runId, string workflow, string queue, string definition, string request, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO run_queue (run_id, workflow, queue, definition, request, status) VALUES ($1, $2, $3, $4, $5, 'queued')", cancellationToken, runId, workflow, queue, definition, request);

    public Task SetJobAsync(string runId, string jobId, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE run_queue SET job_id = $2 WHERE run_id = $1", cancellationToken, runId, jobId);

    /// <summary>
    /// Leases the run for <paramref name="worker"/> when nobody holds a live lease on it and it is not finished or
    /// cancelled: the attempt counter goes up, and an attempt left open by a worker that stopped renewing is closed as
    /// <c>lease_expired</c>. Otherwise says why not.
    /// </summary>
    public Task<ClaimAnswer> TryClaimAsync(string runId, string worker, TimeSpan lease, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using var current = Command(connection, "SELECT status, cancel_requested, lease_owner IS NOT NULL AND lease_expires_at > now(), lease_expires_at FROM run_queue WHERE run_id = $1 FOR UPDATE", runId);
                string status;
                bool cancel, leased;
                DateTimeOffset? expires;
                await using (var reader = await current.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return new ClaimAnswer(null, ClaimRefusal.NotFound, null);
                    }

                    (status, cancel, leased) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
                    expires = reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero);
                }

                if (status is not ("queued" or "running"))
                {
                    return new ClaimAnswer(null, ClaimRefusal.Finished, null);
                }

                if (leased)
                {
                    return new ClaimAnswer(null, ClaimRefusal.Leased, expires);
                }

                // A previous attempt that stopped renewing (killed, cut off) ends here, as lease_expired.
                await using (var close = Command(connection, "UPDATE run_attempts SET ended_at = now(), outcome = 'lease_expired' WHERE run_id = $1 AND ended_at IS NULL", runId))
                {
                    await close.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (cancel)
                {
                    await using var cancelled = Command(connection, "UPDATE run_queue SET status = 'cancelled', ended_at = now(), lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $1", runId);
                    await cancelled.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new ClaimAnswer(null, ClaimRefusal.Finished, null);
                }

                await using var claim = Command(connection,
                    "UPDATE run_queue SET status = 'running', attempts = attempts + 1, lease_owner = $2, lease_expires_at = now() + $3 WHERE run_id = $1 RETURNING attempts, definition, request",
                    runId, worker, lease);
                RunClaim claimed;
                await using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    claimed = new RunClaim(runId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2));
                }

                await using (var attempt = Command(connection, "INSERT INTO run_attempts (run_id, attempt, worker, outcome) VALUES ($1, $2, $3, 'running')", runId, claimed.Attempt, worker))
                {
                    await attempt.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ClaimAnswer(claimed, null, null);
            }
        }
    });

    /// <summary>
    /// Extends, in one round trip, every lease <paramref name="worker"/> still holds among <paramref name="runs"/>
    /// (run id to attempt); a run missing from the answer has been lost to another attempt.
    /// </summary>
    public Task<Dictionary<string, LeaseState>> RenewAllAsync(string worker, IReadOnlyList<(string RunId, int Attempt)> runs, TimeSpan lease, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var command = Command(null, """
            UPDATE run_queue q SET lease_expires_at = now() + $3
            FROM unnest($1::text[], $2::integer[]) AS held (run_id, attempt)
            WHERE q.run_id = held.run_id AND q.attempts = held.attempt AND q.lease_owner = $4 AND q.status = 'running'
            RETURNING q.run_id, q.cancel_requested
            """, runs.Select(r => r.RunId).ToArray(), runs.Select(r => r.Attempt).ToArray(), lease, worker);
        var states = runs.ToDictionary(r => r.RunId, _ => LeaseState.Lost, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states[reader.GetString(0)] = reader.GetBoolean(1) ? LeaseState.CancelRequested : LeaseState.Held;
        }

        return states;
    });

    /// <summary>The worker's heartbeat (its leases are renewed one by one, so each finds its own cancel flag).</summary>
    public Task HeartbeatAsync(string worker, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE run_workers SET heartbeat_at = now() WHERE worker_id = $1", cancellationToken, worker);

    /// <summary>Ends the attempt with a result and releases the lease, saving the record with it; false when the lease was lost first (another attempt owns the run).</summary>
    public Task<bool> CompleteAsync(string runId, string worker, int attempt, QueuedRunStatus status, string? errorCode, RunRecord? record, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        var text = status.ToString().ToLowerInvariant();
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var done = Command(connection,
                    "UPDATE run_queue SET status = $4, ended_at = now(), lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 'running'",
                    runId, worker, attempt, text))
                {
                    if (await done.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                await using (var ended = Command(connection, "UPDATE run_attempts SET ended_at = now(), outcome = $3, error_code = $4 WHERE run_id = $1 AND attempt = $2", runId, attempt, text, (object?)errorCode ?? DBNull.Value))
                {
                    await ended.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (record is not null)
                {
                    await using var save = Command(connection, "INSERT INTO runs (run_id, started_at, record) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO UPDATE SET record = EXCLUDED.record",
                        runId, record.StartedAt.UtcDateTime, RunRecordStore.ToJson(record));
                    await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    });

    /// <summary>Puts the run back on the queue after an attempt that ended without a result (an infrastructure error); the attempt is closed as <c>retry</c>.</summary>
    public Task ReleaseAsync(string runId, string worker, int attempt, string errorCode, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var batch = _database.DataSource.CreateBatch();
        batch.BatchCommands.Add(BatchCommand("UPDATE run_queue SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 'running'", runId, worker, attempt));
        batch.BatchCommands.Add(BatchCommand("UPDATE run_attempts SET ended_at = now(), outcome = 'retry', error_code = $3 WHERE run_id = $1 AND attempt = $2 AND ended_at IS NULL", runId, attempt, errorCode));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

    public Task SaveNodeAsync(string runId, int attempt, NodeRecord node, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO run_nodes (run_id, node_id, attempt, record) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, node_id, attempt) DO UPDATE SET record = EXCLUDED.record",
            cancellationToken, runId, node.Id, attempt, JsonSerializer.Serialize(node, Json));

    /// <summary>
    /// Asks to cancel the run: a queued run is cancelled at once; a running one gets the flag, and the NOTIFY wakes the
    /// worker holding it. Returns the status after the request and the job id, or null when there is no such run.
    /// </summary>
    public Task<(QueuedRunStatus Status, string? JobId)?> RequestCancelAsync(string runId, CancellationToken cancellationToken) => _database.GuardAsync<(QueuedRunStatus, string?)?>(async () =>
    {
        await using var batch = _database.DataSource.CreateBatch();
        batch.BatchCommands.Add(BatchCommand("""
            UPDATE run_queue SET cancel_requested = true,
                ended_at = CASE WHEN status = 'queued' THEN now() ELSE ended_at END,
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END
            WHERE run_id = $1 AND status IN ('queued', 'running')
            """, runId));
        batch.BatchCommands.Add(BatchCommand($"SELECT pg_notify('{PostgresQueueSchema.CancelChannel}', $1)", runId));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var read = Command(null, "SELECT status, job_id FROM run_queue WHERE run_id = $1", runId);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (Status(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    });

    public Task<QueuedRun?> FindAsync(string runId, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        QueuedRun run;
        await using (var command = Command(null, $"SELECT {SummaryColumns}, (SELECT record FROM runs WHERE runs.run_id = q.run_id) FROM run_queue q WHERE run_id = $1", runId))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            run = Summary(reader) with { Record = reader.IsDBNull(13) ? null : RunRecordStore.FromJson(runId, reader.GetString(13)) };
        }

        var nodes = new List<(int Attempt, NodeRecord Node)>();
        await using (var command = Command(null, "SELECT attempt, record FROM run_nodes WHERE run_id = $1 ORDER BY attempt, finished_at", runId))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                nodes.Add((reader.GetInt32(0), JsonSerializer.Deserialize<NodeRecord>(reader.GetString(1), Json)!));
            }
        }

        var attempts = new List<RunAttempt>();
        await using (var command = Command(null, "SELECT attempt, worker, started_at, ended_at, outcome, error_code FROM run_attempts WHERE run_id = $1 ORDER BY attempt", runId))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var number = reader.GetInt32(0);
                attempts.Add(new RunAttempt
                {
                    Number = number,
                    Worker = reader.GetString(1),
                    StartedAt = Time(reader, 2)!.Value,
                    EndedAt = Time(reader, 3),
                    Outcome = reader.GetString(4),
                    ErrorCode = reader.IsDBNull(5) ? null : reader.GetString(5),
                    Nodes = nodes.Where(n => n.Attempt == number).Select(n => n.Node).ToList(),
                });
            }
        }

        return run with { Attempts = attempts };
    });

    /// <summary>Every queued run without its attempts or record, newest first (who started it and its project included, for the server's visibility rules).</summary>
    public Task<IReadOnlyList<QueuedRun>> ListAsync(CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<QueuedRun>>(async () =>
    {
        await using var command = Command(null, $"SELECT {SummaryColumns} FROM run_queue q ORDER BY created_at DESC, run_id DESC");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<QueuedRun>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(Summary(reader));
        }

        return runs;
    });

    /// <summary>The run's status alone (one cheap read, for waiting on it), or null when there is no such run.</summary>
    public Task<QueuedRunStatus?> StatusAsync(string runId, CancellationToken cancellationToken) => _database.GuardAsync<QueuedRunStatus?>(async () =>
    {
        await using var command = Command(null, "SELECT status FROM run_queue WHERE run_id = $1", runId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string text ? Status(text) : null;
    });

    // Who and what, read from the row's own workflow and request (no secret in either): the project, the user who
    // started the run, the user whose values it reads (the principal's, else the CLI's rule: a manual run's user, or
    // the workflow's owner), and the trigger.
    private const string SummaryColumns = """
        q.run_id, q.workflow, q.queue, q.status, q.created_at, q.ended_at, q.cancel_requested, q.lease_owner, q.lease_expires_at,
        q.definition::jsonb ->> 'project',
        COALESCE(NULLIF(q.request::jsonb ->> 'actingUser', ''), q.request::jsonb -> 'principal' ->> 'user', q.request::jsonb ->> 'user'),
        COALESCE(q.request::jsonb -> 'principal' ->> 'user', CASE WHEN q.request::jsonb ->> 'trigger' = 'Manual' THEN q.request::jsonb ->> 'user' ELSE q.definition::jsonb ->> 'owner' END),
        q.request::jsonb ->> 'trigger'
        """;

    private static QueuedRun Summary(NpgsqlDataReader reader) => new()
    {
        RunId = reader.GetString(0),
        Workflow = reader.GetString(1),
        Queue = reader.GetString(2),
        Status = Status(reader.GetString(3)),
        CreatedAt = Time(reader, 4)!.Value,
        EndedAt = Time(reader, 5),
        CancelRequested = reader.GetBoolean(6),
        LeaseOwner = reader.IsDBNull(7) ? null : reader.GetString(7),
        LeaseExpiresAt = Time(reader, 8),
        Project = reader.IsDBNull(9) ? null : reader.GetString(9),
        StartedBy = reader.IsDBNull(10) ? null : reader.GetString(10),
        Principal = reader.IsDBNull(11) ? null : reader.GetString(11),
        Trigger = reader.IsDBNull(12) || !Enum.TryParse<RunTrigger>(reader.GetString(12), out var trigger) ? RunTrigger.Manual : trigger,
    };

    public Task RegisterWorkerAsync(string worker, string host, int processId, int concurrency, IReadOnlyList<string> queues, TimeSpan lease, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO run_workers (worker_id, host, process_id, concurrency, queues, lease_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            cancellationToken, worker, host, processId, concurrency, string.Join(',', queues), (int)lease.TotalMilliseconds);

    public Task RemoveWorkerAsync(string worker, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM run_workers WHERE worker_id = $1", cancellationToken, worker);

    /// <summary>Workers whose last heartbeat is younger than their lease, with the runs each holds; stale rows are pruned.</summary>
    public Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<WorkerInfo>>(async () =>
    {
        await using (var prune = Command(null, "DELETE FROM run_workers WHERE heartbeat_at < now() - interval '1 day'"))
        {
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var select = Command(null, """
            SELECT w.worker_id, w.host, w.process_id, w.concurrency, w.queues, w.started_at, w.heartbeat_at,
                   ARRAY(SELECT q.run_id FROM run_queue q WHERE q.lease_owner = w.worker_id AND q.status = 'running' ORDER BY q.run_id)
            FROM run_workers w WHERE w.heartbeat_at + w.lease_ms * interval '1 millisecond' > now() ORDER BY w.host, w.worker_id
            """);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            workers.Add(new WorkerInfo
            {
                Id = reader.GetString(0),
                Host = reader.GetString(1),
                ProcessId = reader.GetInt32(2),
                Concurrency = reader.GetInt32(3),
                Queues = reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
                StartedAt = Time(reader, 5)!.Value,
                HeartbeatAt = Time(reader, 6)!.Value,
                Runs = reader.GetFieldValue<string[]>(7),
            });
        }

        return workers;
    });

    /// <summary>
    /// Listens for cancel requests until <paramref name="cancellationToken"/> fires, calling <paramref name="cancelled"/>
    /// with each run id; reconnects after a lost connection (the lease renewal reads the flag meanwhile).
    /// <paramref name="connected"/> is called each time the LISTEN is in place.
    /// </summary>
    public async Task ListenForCancelsAsync(Action<string> cancelled, Action connected, CancellationToken cancellationToken)
    {
        var listener = new NpgsqlConnectionStringBuilder(_database.Settings.ConnectionString)
        {
            Pooling = false,
            ApplicationName = CancelListenerName,
            KeepAlive = 10,
        };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // A connection of its own, outside the pool and named, like the store's change listener.
                var connection = new NpgsqlConnection(listener.ConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    connection.Notification += (_, e) => cancelled(e.Payload);
                    await using (var listen = new NpgsqlCommand($"LISTEN {PostgresQueueSchema.CancelChannel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    connected();
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (_database.Translate(ex) is not null || ex is NpgsqlException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The application name of the cancel listener's connection (as <c>pg_stat_activity</c> shows it).</summary>
    public const string CancelListenerName = "secrets-runtime-cancel-listener";

    internal static QueuedRunStatus Status(string text) => Enum.Parse<QueuedRunStatus>(text, ignoreCase: true);

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    private Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] values) => _database.GuardAsync(async () =>
    {
        await using var command = Command(null, sql, values);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

#pragma warning disable CA2100 // SQL text is constant; values travel as parameters.
    private NpgsqlCommand Command(NpgsqlConnection? connection, string sql, params object[] values)
    {
        var command = connection is null ? _database.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }
#pragma warning restore CA2100

    private static NpgsqlParameter Parameter(object value) => value switch
    {
        TimeSpan span => new NpgsqlParameter { Value = span, NpgsqlDbType = NpgsqlDbType.Interval },
        DateTime time => new NpgsqlParameter { Value = DateTime.SpecifyKind(time, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz },
        _ => new NpgsqlParameter { Value = value },
    };
}
