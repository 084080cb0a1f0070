using Npgsql;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>Keeps run records (already masked) in the shared PostgreSQL database, so any host can show any run.</summary>
internal sealed class PostgresRunRecordStore : IRunRecordStore, IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly bool _owned;

    internal PostgresRunRecordStore(PostgresDatabase database, bool owned)
    {
        _database = database;
        _owned = owned;
    }

    /// <summary>Connects to the database (an Npgsql connection string or a <c>postgresql://</c> URI) and migrates it when needed.</summary>
    /// <exception cref="StoreException">The connection is malformed, or the server is unreachable or refuses.</exception>
    public static async Task<PostgresRunRecordStore> OpenAsync(string database, CancellationToken cancellationToken = default) =>
        new(await PostgresDatabase.OpenAsync(database, cancellationToken).ConfigureAwait(false), owned: true);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _owned ? _database.DisposeAsync() : ValueTask.CompletedTask;

    /// <inheritdoc />
    public Task SaveAsync(RunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _database.GuardAsync(async () =>
        {
            await using var command = _database.DataSource.CreateCommand(
                "INSERT INTO runs (run_id, started_at, record) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO UPDATE SET record = EXCLUDED.record");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunRecordStore.CheckId(record.RunId) });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = record.StartedAt.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunRecordStore.ToJson(record) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        });
    }

    /// <inheritdoc />
    public Task<RunRecord> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        RunRecordStore.CheckId(runId);
        return _database.GuardAsync(async () =>
        {
            await using var command = _database.DataSource.CreateCommand("SELECT record FROM runs WHERE run_id = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId });
            var json = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? throw RunRecordStore.NotFound(runId);
            return RunRecordStore.FromJson(runId, json);
        });
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListAsync(CancellationToken cancellationToken = default) => _database.GuardAsync<IReadOnlyList<RunRecord>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand("SELECT run_id, record FROM runs ORDER BY started_at DESC");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<RunRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(RunRecordStore.FromJson(reader.GetString(0), reader.GetString(1)));
        }

        return records;
    });
}
