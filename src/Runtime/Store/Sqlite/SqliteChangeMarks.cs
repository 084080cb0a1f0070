using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// Tells a remembered read whether the tables it read were written since, by any connection or process: a mark per
/// set of tables (<see cref="SqliteTables"/>) that changes whenever one of them is written, and only then.
/// </summary>
/// <remarks>
/// <para>
/// Triggers in the file (<see cref="Migration"/>) count the writes to each watched table in <c>table_versions</c>, in
/// the writer's own transaction: the store's writes, the CLI's in another process and a hand edit with the
/// <c>sqlite3</c> shell all count, and a rolled-back write counts nothing because it changed nothing. A commit that
/// touches no watched table (an audit row, a run's use of a secret, a token's last use) leaves every mark as it was.
/// </para>
/// <para>
/// <c>PRAGMA data_version</c>, on a connection of its own that never writes, says cheaply whether anything was
/// committed at all since the counters were last read (it reads the WAL index's header, no table); only then are the
/// counters and <c>PRAGMA schema_version</c> read again. The data version is read before the counters, so a commit
/// between the two is counted now and seen again (unchanged) at the next read. Each table has an epoch in memory that
/// goes up when its counter or the schema differs from the last read, or after a failed read; a mark is the sum of
/// its tables' epochs, so it changes exactly when one of them does. The mark is read before the rows it stands for,
/// so a commit in between only makes them unused. A hand edit of <c>table_versions</c> or of the triggers themselves
/// changes the schema version or a counter; whoever can drop the triggers and then write unseen is bounded by the
/// store's <see cref="StoreOptions.MaxStaleness"/>, as a file replaced under the server is.
/// </para>
/// </remarks>
internal sealed class SqliteChangeMarks : IDisposable
{
    /// <summary>The watched tables, in the order of <see cref="SqliteTables"/>'s bits.</summary>
    private static readonly string[] Tables = ["secrets", "secret_members", "grants", "tokens", "users"];

    /// <summary>The columns of <c>tokens</c> whose change counts (all but <c>last_used_at</c>).</summary>
    private const string TokenColumns = "id, hash, name, user_id, scopes, created_at, created_by, expires_at, revoked_at";

    /// <summary>Migration 7: the write counters and their triggers.</summary>
    public static readonly string Migration = BuildMigration();

    private readonly Func<SqliteConnection> _open;
    private readonly Lock _lock = new();
    private readonly long[] _counters = new long[Tables.Length];
    private readonly long[] _epochs = new long[Tables.Length];
    private SqliteConnection? _connection;
    private SqliteCommand? _dataVersion;
    private SqliteCommand? _schemaVersion;
    private SqliteCommand? _countersCommand;
    private long _lastDataVersion;
    private long _lastSchemaVersion;
    private bool _known;
    private bool _disposed;

    public SqliteChangeMarks(Func<SqliteConnection> open) => _open = open;

    /// <summary>
    /// The current mark of <paramref name="tables"/>: equal to an earlier one only if none of them was written in
    /// between. Null when it cannot be read (the caller then reads the rows themselves and keeps nothing).
    /// </summary>
    public long? Mark(SqliteTables tables)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            try
            {
                if (_connection is null)
                {
                    _connection = _open();
                    _dataVersion = Prepare(_connection, "PRAGMA data_version");
                    _schemaVersion = Prepare(_connection, "PRAGMA schema_version");
                    _countersCommand = Prepare(_connection, "SELECT name, version FROM table_versions");
                }

                var dataVersion = (long)_dataVersion!.ExecuteScalar()!;
                if (!_known || dataVersion != _lastDataVersion)
                {
                    Refresh(dataVersion);
                }

                long mark = 0;
                for (var i = 0; i < Tables.Length; i++)
                {
                    if (((int)tables & (1 << i)) != 0)
                    {
                        mark += _epochs[i];
                    }
                }

                return mark;
            }
            catch (SqliteException)
            {
                // Start again with a new connection next time, and count every table as changed then.
                Close();
                return null;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Close();
        }
    }

    private void Refresh(long dataVersion)
    {
        var schema = (long)_schemaVersion!.ExecuteScalar()!;
        var read = new long?[Tables.Length];
        using (var reader = _countersCommand!.ExecuteReader())
        {
            while (reader.Read())
            {
                var index = Array.IndexOf(Tables, reader.GetString(0));
                if (index >= 0)
                {
                    read[index] = reader.GetInt64(1);
                }
            }
        }

        for (var i = 0; i < Tables.Length; i++)
        {
            // A counter row removed by hand: nothing can be told about that table any more.
            var counter = read[i] ?? throw new SqliteException($"table_versions has no row for {Tables[i]}", 1);
            if (!_known || schema != _lastSchemaVersion || counter != _counters[i])
            {
                _epochs[i]++;
                _counters[i] = counter;
            }
        }

        _lastSchemaVersion = schema;
        _lastDataVersion = dataVersion;
        _known = true;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Prepare();
        return command;
    }

    private void Close()
    {
        _dataVersion?.Dispose();
        _schemaVersion?.Dispose();
        _countersCommand?.Dispose();
        _connection?.Dispose();
        _dataVersion = null;
        _schemaVersion = null;
        _countersCommand = null;
        _connection = null;
        _known = false;
    }

    private static string BuildMigration()
    {
        var sql = new StringBuilder("CREATE TABLE table_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;\n");
        foreach (var table in Tables)
        {
            var bump = $"BEGIN UPDATE table_versions SET version = version + 1 WHERE name = '{table}'; END;\n";
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO table_versions (name, version) VALUES ('{table}', 0);\n");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} {bump}");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} {bump}");
            var columns = table == "tokens" ? $" OF {TokenColumns}" : string.Empty;
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TRIGGER {table}_updated AFTER UPDATE{columns} ON {table} {bump}");
        }

        return sql.ToString();
    }
}
