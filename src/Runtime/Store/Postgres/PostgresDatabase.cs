using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// One PostgreSQL database shared by many hosts: the connection (an Npgsql connection string or a
/// <c>postgresql://</c> URI), its numbered migrations, and the translation of connection failures into errors that
/// name host and port, never the password.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The channel every write notifies, with the change number as the only payload.</summary>
    public const string Channel = "secrets_runtime_changes";

    /// <summary>
    /// How long change rows are kept (writers prune older ones). A host that has not polled for longer notices the gap
    /// in the change numbers and drops its whole cache.
    /// </summary>
    public const string ChangeRetention = "1 hour";

    // Any constant works; it only has to be the same on every host. "secrets-runtime" in ASCII, truncated.
    private const long MigrationLock = 0x7365637265747372;

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE keys (id text PRIMARY KEY, wrapped bytea NOT NULL, created_at timestamptz NOT NULL, active boolean NOT NULL);
        CREATE TABLE secrets (
            scope text NOT NULL, owner text NOT NULL, name text NOT NULL,
            version integer NOT NULL, value_length integer NOT NULL,
            key_id text NOT NULL, wrapped_key bytea NOT NULL, payload bytea NOT NULL,
            description text, created_at timestamptz NOT NULL, created_by text NOT NULL,
            updated_at timestamptz NOT NULL, updated_by text NOT NULL, last_used_at timestamptz,
            is_system boolean NOT NULL DEFAULT false, integration text, change bigint NOT NULL,
            PRIMARY KEY (scope, owner, name));
        CREATE TABLE audit (
            id bigserial PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL,
            scope text, owner text, name text, version integer, detail text);
        CREATE INDEX audit_at ON audit (at);
        CREATE TABLE change_counter (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL);
        INSERT INTO change_counter (id, seq) VALUES (true, 0);
        CREATE TABLE changes (seq bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), scope text, owner text, name text);
        CREATE TABLE runs (run_id text PRIMARY KEY, started_at timestamptz NOT NULL, record text NOT NULL);
        CREATE INDEX runs_started_at ON runs (started_at);
        """,
        """
        CREATE INDEX changes_at ON changes (at);
        """,
        PostgresAccessRows.Migration,
        """
        CREATE TABLE secret_versions (
            scope text NOT NULL, owner text NOT NULL, name text NOT NULL, version integer NOT NULL,
            value_length integer NOT NULL, key_id text NOT NULL, wrapped_key bytea NOT NULL, payload bytea NOT NULL,
            created_at timestamptz NOT NULL, created_by text NOT NULL, source text NOT NULL, restored_from integer,
            PRIMARY KEY (scope, owner, name, version));
        INSERT INTO secret_versions (scope, owner, name, version, value_length, key_id, wrapped_key, payload, created_at, created_by, source)
            SELECT scope, owner, name, version, value_length, key_id, wrapped_key, payload, updated_at, updated_by, CASE WHEN is_system THEN 'rotate' ELSE 'set' END FROM secrets;
        CREATE TABLE secret_members (
            scope text NOT NULL, owner text NOT NULL, name text NOT NULL, user_id text NOT NULL, role text NOT NULL,
            added_at timestamptz NOT NULL, added_by text NOT NULL,
            PRIMARY KEY (scope, owner, name, user_id));
        CREATE INDEX secret_members_user ON secret_members (user_id);
        INSERT INTO secret_members (scope, owner, name, user_id, role, added_at, added_by)
            SELECT scope, owner, name, created_by, 'admin', created_at, created_by FROM secrets WHERE scope <> 'personal';
        """,
        """
        CREATE TABLE secret_uses (
            id bigserial PRIMARY KEY, scope text NOT NULL, owner text NOT NULL, name text NOT NULL,
            at timestamptz NOT NULL, workflow text, run_id text NOT NULL, node_id text NOT NULL, version integer NOT NULL, user_id text NOT NULL);
        CREATE INDEX secret_uses_key ON secret_uses (scope, owner, name, id);
        """,
        PostgresQueueSchema.Migration,
        PostgresSavedWorkflowRows.Migration,
    ];

    private PostgresDatabase(NpgsqlDataSource dataSource, NpgsqlConnectionStringBuilder settings)
    {
        DataSource = dataSource;
        Settings = settings;
        Location = string.Create(CultureInfo.InvariantCulture, $"{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}");
    }

    /// <summary>The pooled connections.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The parsed settings (holding the password: never print them).</summary>
    public NpgsqlConnectionStringBuilder Settings { get; }

    /// <summary>host:port/database, for messages.</summary>
    public string Location { get; }

    /// <summary>Connects, applies pending migrations under an advisory lock (two hosts starting together migrate once).</summary>
    /// <exception cref="StoreException">The connection text is malformed, the server is unreachable or refuses, or the schema is newer than this program.</exception>
    public static async Task<PostgresDatabase> OpenAsync(string connection, CancellationToken cancellationToken)
    {
        var settings = PostgresConnectionText.Parse(connection);
        var database = new PostgresDatabase(new NpgsqlDataSourceBuilder(settings.ConnectionString).Build(), settings);
        try
        {
            await database.GuardAsync(() => database.MigrateAsync(cancellationToken)).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>Runs <paramref name="body"/>, turning a lost or refused connection into a <see cref="StoreException"/> naming host and port.</summary>
    public async Task<T> GuardAsync<T>(Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } error)
        {
            throw error;
        }
    }

    /// <inheritdoc cref="GuardAsync{T}(Func{Task{T}})"/>
    public async Task GuardAsync(Func<Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } error)
        {
            throw error;
        }
    }

    /// <summary>Runs <paramref name="body"/> in one transaction on a connection of its own and commits it; guarded as <see cref="GuardAsync{T}(Func{Task{T}})"/>.</summary>
    public Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> body, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await body(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    });

    /// <summary>The error for a failed connection, or null when <paramref name="ex"/> is not one. Never the password or a raw server message.</summary>
    public StoreException? Translate(Exception ex)
    {
        switch (ex)
        {
            case PostgresException { SqlState: "28P01" or "28000" } auth:
                return StoreErrors.DatabaseRefused($"the PostgreSQL server at {Location} refused the login of user '{Settings.Username}' ({auth.SqlState}); check the user and password of the connection");
            case PostgresException { SqlState: "3D000" } db:
                return StoreErrors.DatabaseMissing($"the PostgreSQL server at {Location} has no database '{Settings.Database}' ({db.SqlState}); create it first");
            case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState == "53300":
                DataSource.Clear();
                return Unavailable(pg.SqlState);
            case PostgresException:
                return null;
            case NpgsqlException { InnerException: SocketException socket }:
                DataSource.Clear();
                return Unavailable(socket.SocketErrorCode.ToString());
            case NpgsqlException { InnerException: TimeoutException }:
                DataSource.Clear();
                return Unavailable("timeout");
            case NpgsqlException:
                DataSource.Clear();
                return Unavailable("connection lost");
            case SocketException socket:
                DataSource.Clear();
                return Unavailable(socket.SocketErrorCode.ToString());
            case ObjectDisposedException:
                // Npgsql may report a connection broken under a running command this way (seen when the server
                // restarts mid-write); this store disposes nothing under a running command itself.
                DataSource.Clear();
                return Unavailable("connection lost");
            default:
                return null;
        }
    }

    private StoreException Unavailable(string reason) =>
        StoreErrors.DatabaseUnavailable($"the PostgreSQL server at {Location} is unavailable ({reason}); the operation did not complete, and a write is all or nothing: retry when the server is back");

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({MigrationLock})"), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
                int version;
                await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection))
                {
                    version = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                }

                if (version > Migrations.Length)
                {
                    throw StoreErrors.SchemaNewer(string.Create(CultureInfo.InvariantCulture,
                        $"the database at {Location} has schema version {version}, newer than this program knows ({Migrations.Length}); upgrade secrets-runtime"));
                }

                for (var v = version; v < Migrations.Length; v++)
                {
                    await ExecuteAsync(connection, Migrations[v], cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"INSERT INTO schema_migrations (version) VALUES ({v + 1})"), cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
#pragma warning disable CA2100 // SQL text is constant.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
