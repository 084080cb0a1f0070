using System.Globalization;
using Microsoft.Data.Sqlite;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Versions;
using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode, migrations numbered in <c>PRAGMA user_version</c>, writes in
/// <c>BEGIN IMMEDIATE</c> transactions. The hot reads (a page of secrets, a user's memberships) go through held
/// connections with prepared statements (<see cref="SqliteReadConnections"/>) and are remembered only until a table
/// they read is written (<see cref="SqliteReadCache"/>, <see cref="SqliteChangeMarks"/>); every other read sees the file.
/// </summary>
/// <remarks>
/// SQLite has no asynchronous IO: Microsoft.Data.Sqlite runs its async methods synchronously, and documents that they
/// are best not called. The paths every command takes (open, connect, list, the key ring's first read) call the
/// synchronous ones, which also spares a short-lived CLI process from compiling an async state machine per call.
/// </remarks>
internal sealed class SqliteSecretRows : ISecretRows
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE keys (id TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created_at TEXT NOT NULL, active INTEGER NOT NULL);
        CREATE TABLE secrets (
            scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,
            version INTEGER NOT NULL, value_length INTEGER NOT NULL,
            key_id TEXT NOT NULL, wrapped_key BLOB NOT NULL, payload BLOB NOT NULL,
            description TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, last_used_at TEXT,
            is_system INTEGER NOT NULL DEFAULT 0, integration TEXT,
            PRIMARY KEY (scope, owner, name));
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            scope TEXT, owner TEXT, name TEXT, version INTEGER, detail TEXT);
        CREATE INDEX audit_at ON audit (at);
        """,
        """
        ALTER TABLE secrets ADD COLUMN change INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, scope TEXT, owner TEXT, name TEXT);
        """,
        SqliteAccessRows.Migration,
        """
        CREATE TABLE secret_versions (
            scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
            value_length INTEGER NOT NULL, key_id TEXT NOT NULL, wrapped_key BLOB NOT NULL, payload BLOB NOT NULL,
            created_at TEXT NOT NULL, created_by TEXT NOT NULL, source TEXT NOT NULL, restored_from INTEGER,
            PRIMARY KEY (scope, owner, name, version));
        INSERT INTO secret_versions (scope, owner, name, version, value_length, key_id, wrapped_key, payload, created_at, created_by, source)
            SELECT scope, owner, name, version, value_length, key_id, wrapped_key, payload, updated_at, updated_by, CASE WHEN is_system = 1 THEN 'rotate' ELSE 'set' END FROM secrets;
        CREATE TABLE secret_members (
            scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
            added_at TEXT NOT NULL, added_by TEXT NOT NULL,
            PRIMARY KEY (scope, owner, name, user_id));
        CREATE INDEX secret_members_user ON secret_members (user_id);
        INSERT INTO secret_members (scope, owner, name, user_id, role, added_at, added_by)
            SELECT scope, owner, name, created_by, 'admin', created_at, created_by FROM secrets WHERE scope <> 'personal';
        """,
        """
        CREATE TABLE secret_uses (
            id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,
            at TEXT NOT NULL, workflow TEXT, run_id TEXT NOT NULL, node_id TEXT NOT NULL, version INTEGER NOT NULL, user_id TEXT NOT NULL);
        CREATE INDEX secret_uses_key ON secret_uses (scope, owner, name, id);
        """,
        SqliteSavedWorkflowRows.Migration,
        SqliteChangeMarks.Migration,
    ];

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    internal const string InsertAudit = "INSERT INTO audit (at, actor, action, scope, owner, name, version, detail) VALUES ($at, $actor, $action, $scope, $owner, $name, $version, $detail)";

    // Built on first use: Microsoft.Data.Sqlite's connection-string parser (System.Data.Common, TypeConverter, Regex)
    // is most of its first-use cost, and the open and a full listing read through SqliteRawConnection instead.
    private readonly Lazy<string> _connectionString;
    private readonly TimeProvider _time;

    // Built on first use, like the connection string: a listing and the open use none of them, and creating one
    // loads Microsoft.Data.Sqlite's connection types (System.Data.Common, System.ComponentModel) or, for the read
    // cache, System.Collections.Concurrent.
    private readonly Lazy<SqliteChangeMarks> _marks;
    private readonly Lazy<SqliteReadConnections> _reads;
    private readonly Lazy<IAccessRows> _access;
    private readonly Lazy<SavedWorkflows.ISavedWorkflowRows> _workflows;
    private readonly Lazy<SqliteReadCache> _readCache;
    private SqliteRawConnection? _idleRaw;
    private bool _disposed;

    private SqliteSecretRows(string path, TimeProvider time, TimeSpan maxStaleness)
    {
        _connectionString = new Lazy<string>(() => new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString());
        _time = time;
        Location = path;
        _marks = new Lazy<SqliteChangeMarks>(() => new SqliteChangeMarks(OpenConnection));
        // Not from the pool: a held connection is query_only, and a pooled handle would keep that for the next writer.
        _reads = new Lazy<SqliteReadConnections>(() => new SqliteReadConnections(() => OpenConnection(new SqliteConnectionStringBuilder(_connectionString.Value) { Pooling = false }.ToString())));
        _readCache = new Lazy<SqliteReadCache>(() => new SqliteReadCache(time, maxStaleness));
        _access = new Lazy<IAccessRows>(() => new SqliteAccessRows(OpenConnectionAsync, _marks.Value));
        _workflows = new Lazy<SavedWorkflows.ISavedWorkflowRows>(() => new SqliteSavedWorkflowRows(OpenConnectionAsync));
    }

    public string Location { get; }

    public IAccessRows Access => _access.Value;

    /// <summary>The held read connections (tests rent more than are kept, to see what happens to the rest).</summary>
    internal SqliteReadConnections Reads => _reads.Value;

    public SavedWorkflows.ISavedWorkflowRows Workflows => _workflows.Value;

    public static Task<SqliteSecretRows> OpenAsync(StoreOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(options.Home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(options.Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var rows = new SqliteSecretRows(options.DatabasePath, options.Time, options.MaxStaleness);

        // A store at this program's schema was put in WAL mode (which persists in the file) when it was created: one
        // read of user_version, outside any transaction, is all an open costs then, on the raw connection.
        var version = rows.Raw(raw => raw.Int64("PRAGMA user_version") ?? 0);

        if (version != Migrations.Length)
        {
            using var connection = rows.OpenConnection();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Migrate(connection);
        }

        return Task.FromResult(rows);
    }

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        Interlocked.Exchange(ref _idleRaw, null)?.Dispose();
        if (_reads.IsValueCreated)
        {
            _reads.Value.Dispose();
        }

        if (_marks.IsValueCreated)
        {
            _marks.Value.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    public void Forget(SecretKey? key)
    {
    }

    public Task<ISecretRowsTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = OpenConnection();
        return Task.FromResult<ISecretRowsTransaction>(new Transaction(connection, connection.BeginTransaction(), _time));
    }

    public async Task<SecretMetadata?> GetAsync(SecretKey key, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await CurrentAsync(connection, null, key, cancellationToken).ConfigureAwait(false);
    }

    public Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Raw(raw => raw.Text(MasterKeyIdSql)));
    }

    // Every row, unfiltered (policy is the store's): constant SQL with no parameters, read on the raw connection.
    public Task<IReadOnlyList<SecretMetadata>> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<SecretMetadata>>(Raw(raw => raw.Rows(ListSql, static row => Metadata(row))));
    }

    private const string ListSql = $"SELECT {MetadataColumns} FROM secrets ORDER BY scope, owner, name";

    private const string MasterKeyIdSql = "SELECT value FROM meta WHERE key = 'master_key_id'";

    /// <summary>
    /// A read on the idle raw connection (query_only), or on a new one when another call holds it; kept for the next
    /// read when the slot is free, so a command's open, key-ring read and listing share one connection and one
    /// reading of the schema. A connection that failed is closed, never kept.
    /// </summary>
    private T Raw<T>(Func<SqliteRawConnection, T> read)
    {
        var raw = Interlocked.Exchange(ref _idleRaw, null) ?? SqliteRawConnection.OpenReadOnly(Location);
        T result;
        try
        {
            result = read(raw);
        }
        catch
        {
            raw.Dispose();
            throw;
        }

        if (Volatile.Read(ref _disposed) || Interlocked.CompareExchange(ref _idleRaw, raw, null) is not null)
        {
            raw.Dispose();
        }
        else if (Volatile.Read(ref _disposed))
        {
            // Disposed while this read ran: the store's dispose may have emptied the slot before the connection went back.
            Interlocked.Exchange(ref _idleRaw, null)?.Dispose();
        }

        return result;
    }

    public async Task<IReadOnlyList<StoredSecret>> ReadAsync(IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken)
    {
        // One file on this machine: a prepared statement per key costs microseconds, not a network round trip.
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT version, key_id, wrapped_key, payload FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name",
            ("$scope", string.Empty), ("$owner", string.Empty), ("$name", string.Empty));
        command.Prepare();
        var found = new List<StoredSecret>(keys.Count);
        foreach (var key in keys)
        {
            command.Parameters["$scope"].Value = key.Scope.ToText();
            command.Parameters["$owner"].Value = key.Owner;
            command.Parameters["$name"].Value = key.Name.Value;
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(new StoredSecret(key, reader.GetInt32(0), new EncryptedValue(reader.GetString(1), (byte[])reader[2], (byte[])reader[3])));
            }
        }

        return found;
    }

    public async Task<byte[]?> WrappedKeyAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await WrappedKeyAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SecretVersion>> VersionsAsync(SecretKey key, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT version, created_at, created_by, source, value_length, restored_from FROM secret_versions WHERE scope = $scope AND owner = $owner AND name = $name ORDER BY version DESC",
            KeyParameters(key));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<SecretVersion>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new SecretVersion(reader.GetInt32(0), Parse(reader.GetString(1)), reader.GetString(2), SecretVersionText.ParseSource(reader.GetString(3)), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5)));
        }

        return versions;
    }

    public async Task<IReadOnlyList<SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await MembersAsync(connection, null, "scope = $scope AND owner = $owner AND name = $name", KeyParameters(key), cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<SecretMemberRow>> MembershipsAsync(string userId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(CachedRead(SqliteTables.SecretMembers, MembershipsSql, [("$user", userId)], ReadMembers));
    }

    private static readonly string MembershipsSql = MembersSql("user_id = $user");

    public bool IsRemembered(IReadOnlyList<SecretMetadata> rows) => rows is PageRows { Reused: true };

    /// <summary>The rows of a page, and whether the read cache has handed them out more than once.</summary>
    private sealed class PageRows(IList<SecretMetadata> rows) : System.Collections.ObjectModel.ReadOnlyCollection<SecretMetadata>(rows)
    {
        private volatile bool _reused;

        public bool Reused => _reused;

        public void MarkReused() => _reused = true;
    }

    public Task<IReadOnlyList<SecretMetadata>> PageAsync(SecretPageFilter filter, CancellationToken cancellationToken)
    {
        // Only the clauses a filter needs, so the keyset seek and the order use the primary key's index.
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("$limit", filter.Limit) };
        if (filter.Scope is { } scope)
        {
            where.Add("scope = $scope");
            parameters.Add(("$scope", scope.ToText()));
        }

        if (filter.Owner is { } owner)
        {
            where.Add("owner = $owner");
            parameters.Add(("$owner", owner));
        }

        if (!filter.IncludeSystem)
        {
            where.Add("is_system = 0");
        }

        if (filter.Search is { } search)
        {
            where.Add("(instr(lower(name), $search) > 0 OR instr(lower(coalesce(description, '')), $search) > 0)");
            parameters.Add(("$search", search.ToLowerInvariant()));
        }

        if (filter.After is { } after)
        {
            where.Add("(scope, owner, name) > ($after_scope, $after_owner, $after_name)");
            parameters.AddRange([("$after_scope", after.Scope.ToText()), ("$after_owner", after.Owner), ("$after_name", after.Name.Value)]);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var sql = $"SELECT {MetadataColumns}{(filter.IncludeMembers ? ", " + MembersColumn : string.Empty)} FROM secrets s {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))} ORDER BY scope, owner, name LIMIT $limit";
        return Task.FromResult(CachedRead(PageTables, sql, [.. parameters], reader =>
        {
            var list = new List<SecretMetadata>();
            while (reader.Read())
            {
                var metadata = Metadata(reader);
                list.Add(filter.IncludeMembers ? metadata with { Members = Members(reader.GetString(14), metadata.Scope) } : metadata);
            }

            return (IReadOnlyList<SecretMetadata>)new PageRows(list);
        }));
    }

    /// <summary>What a page reads: its rows, and for its members column the members and the grants that make some implicit.</summary>
    private const SqliteTables PageTables = SqliteTables.Secrets | SqliteTables.SecretMembers | SqliteTables.Grants;

    /// <summary>
    /// A read through a held connection, answered from <see cref="SqliteReadCache"/> when none of
    /// <paramref name="tables"/> (every table <paramref name="sql"/> reads) was written since the same read: the mark
    /// is taken before the rows, so a write in between only makes the entry unused. The result must not be changed by
    /// its callers (it may be shared).
    /// </summary>
    private T CachedRead<T>(SqliteTables tables, string sql, (string Name, object? Value)[] parameters, Func<SqliteDataReader, T> read)
        where T : class
    {
        var mark = _marks.Value.Mark(tables);
        var key = mark is null ? null : SqliteReadCache.Key(sql, parameters);
        if (key is not null && _readCache.Value.Find<T>(key, mark!.Value) is { } cached)
        {
            (cached as PageRows)?.MarkReused();
            return cached;
        }

        var readAt = _time.GetTimestamp();
        T result;
        var lease = _reads.Value.Rent();
        try
        {
            using var reader = lease.Command(sql, parameters).ExecuteReader();
            result = read(reader);
        }
        catch
        {
            lease.Break();
            throw;
        }
        finally
        {
            lease.Dispose();
        }

        if (key is not null)
        {
            _readCache.Value.Add(key, mark!.Value, readAt, result);
        }

        return result;
    }

    public async Task<IReadOnlyList<AuditEntry>> AuditPageAsync(DateTimeOffset since, string? action, long afterId, int limit, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT at, actor, action, scope, owner, name, version, detail, id FROM audit WHERE id > $after AND at >= $since AND ($action IS NULL OR action = $action) ORDER BY id LIMIT $limit",
            ("$after", afterId), ("$since", Format(since)), ("$action", action), ("$limit", limit));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(Audit(reader) with { Id = reader.GetInt64(8) });
        }

        return entries;
    }

    public async Task<IReadOnlyList<SecretUse>> UsesAsync(SecretKey key, int limit, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT at, workflow, run_id, node_id, version, user_id FROM secret_uses WHERE scope = $scope AND owner = $owner AND name = $name ORDER BY id DESC LIMIT $limit",
            [.. KeyParameters(key), ("$limit", limit)]);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var uses = new List<SecretUse>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            uses.Add(new SecretUse(Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5)));
        }

        return uses;
    }

    private static AuditEntry Audit(SqliteDataReader reader) =>
        new(Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : SecretScopeText.Parse(reader.GetString(3)),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7));

    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT at, actor, action, scope, owner, name, version, detail FROM audit WHERE at >= $since ORDER BY id", ("$since", Format(since)));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : SecretScopeText.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return entries;
    }

    public async Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, DateTimeOffset at, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var now = Format(at);

        // "Last used" once per secret; one audit row per use, through one prepared statement.
        foreach (var secret in usages.DistinctBy(u => (u.Scope, u.Owner, u.Name)))
        {
            using var update = Command(connection, transaction, "UPDATE secrets SET last_used_at = $at WHERE scope = $scope AND owner = $owner AND name = $name",
                ("$at", now), ("$scope", secret.Scope.ToText()), ("$owner", secret.Owner), ("$name", secret.Name.Value));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var insert = Command(connection, transaction, InsertAudit,
            ("$at", now), ("$actor", string.Empty), ("$action", "use"), ("$scope", string.Empty), ("$owner", string.Empty), ("$name", string.Empty), ("$version", 0), ("$detail", string.Empty));
        insert.Prepare();
        foreach (var usage in usages)
        {
            insert.Parameters["$actor"].Value = usage.UserId;
            insert.Parameters["$scope"].Value = usage.Scope.ToText();
            insert.Parameters["$owner"].Value = usage.Owner;
            insert.Parameters["$name"].Value = usage.Name.Value;
            insert.Parameters["$version"].Value = usage.Version;
            insert.Parameters["$detail"].Value = usage.Detail ?? $"run {usage.RunId} node {usage.NodeId}";
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var use = Command(connection, transaction,
            "INSERT INTO secret_uses (scope, owner, name, at, workflow, run_id, node_id, version, user_id) VALUES ($scope, $owner, $name, $at, $workflow, $run, $node, $version, $user)",
            ("$scope", string.Empty), ("$owner", string.Empty), ("$name", string.Empty), ("$at", now), ("$workflow", string.Empty), ("$run", string.Empty), ("$node", string.Empty), ("$version", 0), ("$user", string.Empty));
        use.Prepare();
        foreach (var usage in usages.Where(u => u.RunId.Length > 0))
        {
            use.Parameters["$scope"].Value = usage.Scope.ToText();
            use.Parameters["$owner"].Value = usage.Owner;
            use.Parameters["$name"].Value = usage.Name.Value;
            use.Parameters["$workflow"].Value = (object?)usage.Workflow ?? DBNull.Value;
            use.Parameters["$run"].Value = usage.RunId;
            use.Parameters["$node"].Value = usage.NodeId;
            use.Parameters["$version"].Value = usage.Version;
            use.Parameters["$user"].Value = usage.UserId;
            await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    internal Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(OpenConnection());
    }

    private SqliteConnection OpenConnection() => OpenConnection(_connectionString.Value);

    private static SqliteConnection OpenConnection(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=30000;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static async Task<SecretMetadata?> CurrentAsync(SqliteConnection connection, SqliteTransaction? transaction, SecretKey key, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, $"SELECT {MetadataColumns} FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name", KeyParameters(key));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Metadata(reader) : null;
    }

    private static async Task<IReadOnlyList<SecretMemberRow>> MembersAsync(SqliteConnection connection, SqliteTransaction? transaction, string where, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, MembersSql(where), parameters);
        return await ReadMembersAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The member rows matching <paramref name="where"/>, in the order <see cref="ReadMembers"/> returns them.</summary>
    private static string MembersSql(string where) =>
        $"SELECT scope, owner, name, user_id, role, added_at, added_by FROM secret_members WHERE {where} ORDER BY scope, owner, name, user_id";

    // The primary key's order gives them by user already; sorting keeps it so whatever plan SQLite picks.
    private static IReadOnlyList<SecretMember> Members(string json, SecretScope scope)
    {
        var members = MemberListJson.Parse(json, scope, Parse);
        return members.Count < 2 ? members : [.. members.OrderBy(m => m.UserId, StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<SecretMemberRow>> ReadMembersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return ReadMembers(reader);
    }

    private static IReadOnlyList<SecretMemberRow> ReadMembers(SqliteDataReader reader)
    {
        var members = new List<SecretMemberRow>();
        while (reader.Read())
        {
            members.Add(new SecretMemberRow(new SecretKey(SecretScopeText.Parse(reader.GetString(0)), reader.GetString(1), SecretName.Parse(reader.GetString(2))), reader.GetString(3),
                reader.GetString(4) == "admin" ? SecretMemberRole.Admin : SecretMemberRole.Member, Parse(reader.GetString(5)), reader.GetString(6)));
        }

        return members.AsReadOnly();
    }

    private static async Task<byte[]?> WrappedKeyAsync(SqliteConnection connection, SqliteTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, "SELECT wrapped FROM keys WHERE id = $id", ("$id", id));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <summary>
    /// A row's explicit members who are not admins of its scope (those are implicit admins), as one JSON array of
    /// [user, role, added at, added by]: a lookup in the members' primary key per row, not a query per secret.
    /// </summary>
    private const string MembersColumn =
        """
        (SELECT json_group_array(json_array(m.user_id, m.role, m.added_at, m.added_by)) FROM secret_members m
         WHERE m.scope = s.scope AND m.owner = s.owner AND m.name = s.name
           AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = m.user_id AND g.scope = m.scope AND g.role = 'admin' AND (g.owner = '*' OR g.owner = m.owner)))
        """;

    /// <summary>The columns both <c>Metadata</c> overloads read, in their order: never the envelope, which metadata does not need.</summary>
    private const string MetadataColumns =
        "scope, owner, name, version, value_length, description, created_at, created_by, updated_at, updated_by, last_used_at, is_system, integration, change";

    // By ordinal: a page maps 51 rows of 14 columns, and a lookup by name scans the columns each time.
    private static SecretMetadata Metadata(SqliteDataReader r) => Metadata(new ReaderRow(r));

    // One mapping for both layers: Microsoft.Data.Sqlite's reader and the raw connection's row (a test compares the two
    // over every kind of row). Generic over the struct, so neither pays an interface call per column.
    private static SecretMetadata Metadata<TRow>(TRow r)
        where TRow : struct, SqliteRawConnection.IRow => new()
    {
        Scope = SecretScopeText.Parse(r.Text(0)),
        Owner = r.Text(1),
        Name = SecretName.Parse(r.Text(2)),
        Version = r.Int32(3),
        ValueLength = r.Int32(4),
        Description = r.IsNull(5) ? null : r.Text(5),
        CreatedAt = Parse(r.Text(6)),
        CreatedBy = r.Text(7),
        UpdatedAt = Parse(r.Text(8)),
        UpdatedBy = r.Text(9),
        LastUsedAt = r.IsNull(10) ? null : Parse(r.Text(10)),
        IsSystem = r.Int32(11) == 1,
        Integration = r.IsNull(12) ? null : r.Text(12),
        Change = r.Int64(13),
    };

    /// <summary>A Microsoft.Data.Sqlite reader's current row, read as <see cref="SqliteRawConnection.Row"/> reads a raw one.</summary>
    private readonly struct ReaderRow(SqliteDataReader reader) : SqliteRawConnection.IRow
    {
        public bool IsNull(int column) => reader.IsDBNull(column);

        public long Int64(int column) => reader.GetInt64(column);

        public int Int32(int column) => reader.GetInt32(column);

        public string Text(int column) => reader.GetString(column);
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var version = UserVersion(connection, transaction);
        if (version > Migrations.Length)
        {
            throw StoreErrors.SchemaNewer(string.Create(CultureInfo.InvariantCulture, $"the store's schema is version {version}, newer than this program knows ({Migrations.Length}); upgrade secrets-runtime"));
        }

        for (var v = version; v < Migrations.Length; v++)
        {
            using var command = Command(connection, transaction, Migrations[v] + string.Create(CultureInfo.InvariantCulture, $"; PRAGMA user_version = {v + 1};"));
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static int UserVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var read = Command(connection, transaction, "PRAGMA user_version");
        return (int)(long)read.ExecuteScalar()!;
    }

    private static (string, object?)[] KeyParameters(SecretKey key) => [("$scope", key.Scope.ToText()), ("$owner", key.Owner), ("$name", key.Name.Value)];

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, null, sql);
        command.ExecuteNonQuery();
    }

    internal static string Format(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    // Every time this store writes has the one format Format gives, read here digit by digit (a page reads three a
    // row); anything else (a row written by hand) goes through the general parser.
    internal static DateTimeOffset Parse(string text) =>
        TryParseStored(text, out var at)
            ? at
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static bool TryParseStored(string text, out DateTimeOffset at)
    {
        at = default;

        // yyyy-MM-ddTHH:mm:ss.fffffffZ
        if (text.Length != 28 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' || text[27] != 'Z')
        {
            return false;
        }

        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day) || !Digits(text, 11, 2, out var hour)
            || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second) || !Digits(text, 20, 7, out var fraction)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        at = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction));
        return true;
    }

    private static bool Digits(string text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = text[i] - '0';
            if (digit is < 0 or > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    private sealed class Transaction(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time) : ISecretRowsTransaction
    {
        public Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var command = Command(connection, transaction, MasterKeyIdSql);
            return Task.FromResult(command.ExecuteScalar() as string);
        }

        public Task SetMasterKeyIdAsync(string id, CancellationToken cancellationToken) =>
            ExecuteAsync("INSERT INTO meta (key, value) VALUES ('master_key_id', $id)", cancellationToken, ("$id", id));

        public async Task<string?> ActiveKeyIdAsync(CancellationToken cancellationToken)
        {
            using var command = Command(connection, transaction, "SELECT id FROM keys WHERE active = 1");
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        public async Task<long> KeyCountAsync(CancellationToken cancellationToken)
        {
            using var command = Command(connection, transaction, "SELECT COUNT(*) FROM keys");
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        public async Task InsertKeyAsync(string id, byte[] wrapped, DateTimeOffset at, CancellationToken cancellationToken)
        {
            await ExecuteAsync("UPDATE keys SET active = 0", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync("INSERT INTO keys (id, wrapped, created_at, active) VALUES ($id, $wrapped, $at, 1)", cancellationToken, ("$id", id), ("$wrapped", wrapped), ("$at", Format(at))).ConfigureAwait(false);
        }

        public Task<byte[]?> WrappedKeyAsync(string id, CancellationToken cancellationToken) => SqliteSecretRows.WrappedKeyAsync(connection, transaction, id, cancellationToken);

        public Task<SecretMetadata?> CurrentAsync(SecretKey key, CancellationToken cancellationToken) => SqliteSecretRows.CurrentAsync(connection, transaction, key, cancellationToken);

        public async Task<bool> WriteAsync(SecretRow row, int expectedVersion, CancellationToken cancellationToken)
        {
            var m = row.Metadata;
            var sql = expectedVersion == 0
                ? """
                  INSERT INTO secrets (scope, owner, name, version, value_length, key_id, wrapped_key, payload, description, created_at, created_by, updated_at, updated_by, is_system, integration, change)
                  VALUES ($scope, $owner, $name, $version, $length, $key, $wrapped, $payload, $description, $now, $user, $now, $user, $system, $integration, $change)
                  """
                : """
                  UPDATE secrets SET version = $version, value_length = $length, key_id = $key, wrapped_key = $wrapped, payload = $payload,
                      description = $description, updated_at = $now, updated_by = $user, is_system = $system, integration = $integration, change = $change
                  WHERE scope = $scope AND owner = $owner AND name = $name AND version = $expected
                  """;
            try
            {
                return await ExecuteAsync(sql, cancellationToken,
                    ("$scope", m.Scope.ToText()), ("$owner", m.Owner), ("$name", m.Name.Value), ("$version", m.Version), ("$length", m.ValueLength),
                    ("$key", row.Value.KeyId), ("$wrapped", row.Value.WrappedDataKey), ("$payload", row.Value.Payload), ("$description", m.Description),
                    ("$now", Format(m.UpdatedAt)), ("$user", m.UpdatedBy), ("$system", m.IsSystem ? 1 : 0), ("$integration", m.Integration),
                    ("$change", m.Change), ("$expected", expectedVersion)).ConfigureAwait(false) == 1;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                return false;
            }
        }

        public async Task DeleteAsync(SecretKey key, CancellationToken cancellationToken)
        {
            await ExecuteAsync("DELETE FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken, KeyParameters(key)).ConfigureAwait(false);
            await ExecuteAsync("DELETE FROM secret_versions WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken, KeyParameters(key)).ConfigureAwait(false);
            await ExecuteAsync("DELETE FROM secret_members WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken, KeyParameters(key)).ConfigureAwait(false);
            await ExecuteAsync("DELETE FROM secret_uses WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken, KeyParameters(key)).ConfigureAwait(false);
        }

        public Task InsertVersionAsync(SecretVersionRow row, CancellationToken cancellationToken) =>
            ExecuteAsync(
                """
                INSERT INTO secret_versions (scope, owner, name, version, value_length, key_id, wrapped_key, payload, created_at, created_by, source, restored_from)
                VALUES ($scope, $owner, $name, $version, $length, $key, $wrapped, $payload, $at, $by, $source, $from)
                """, cancellationToken,
                [.. KeyParameters(row.Key), ("$version", row.Version.Version), ("$length", row.Version.ValueLength), ("$key", row.Value.KeyId), ("$wrapped", row.Value.WrappedDataKey),
                    ("$payload", row.Value.Payload), ("$at", Format(row.Version.CreatedAt)), ("$by", row.Version.CreatedBy), ("$source", row.Version.Source.ToText()), ("$from", row.Version.RestoredFrom)]);

        public async Task<SecretVersionRow?> VersionAsync(SecretKey key, int version, CancellationToken cancellationToken)
        {
            var rows = await VersionRowsAsync("WHERE scope = $scope AND owner = $owner AND name = $name AND version = $version", [.. KeyParameters(key), ("$version", version)], cancellationToken).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }

        public Task<IReadOnlyList<SecretVersionRow>> AllVersionsAsync(CancellationToken cancellationToken) => VersionRowsAsync(string.Empty, [], cancellationToken);

        public Task RewrapVersionAsync(SecretKey key, int version, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken) =>
            ExecuteAsync("UPDATE secret_versions SET key_id = $key, wrapped_key = $wrapped WHERE scope = $scope AND owner = $owner AND name = $name AND version = $version", cancellationToken,
                [("$key", keyId), ("$wrapped", wrappedDataKey), ("$version", version), .. KeyParameters(key)]);

        public Task DescribeAsync(SecretKey key, string? description, DateTimeOffset at, string by, long change, CancellationToken cancellationToken) =>
            ExecuteAsync("UPDATE secrets SET description = $description, updated_at = $at, updated_by = $by, change = $change WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken,
                [("$description", description), ("$at", Format(at)), ("$by", by), ("$change", change), .. KeyParameters(key)]);

        public Task<IReadOnlyList<SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken) =>
            SqliteSecretRows.MembersAsync(connection, transaction, "scope = $scope AND owner = $owner AND name = $name", KeyParameters(key), cancellationToken);

        public Task PutMemberAsync(SecretMemberRow member, CancellationToken cancellationToken) =>
            ExecuteAsync(
                """
                INSERT INTO secret_members (scope, owner, name, user_id, role, added_at, added_by) VALUES ($scope, $owner, $name, $user, $role, $at, $by)
                ON CONFLICT (scope, owner, name, user_id) DO UPDATE SET role = excluded.role
                """, cancellationToken,
                [.. KeyParameters(member.Key), ("$user", member.UserId), ("$role", member.Role == SecretMemberRole.Admin ? "admin" : "member"), ("$at", Format(member.AddedAt)), ("$by", member.AddedBy)]);

        public async Task<bool> DeleteMemberAsync(SecretKey key, string userId, CancellationToken cancellationToken) =>
            await ExecuteAsync("DELETE FROM secret_members WHERE scope = $scope AND owner = $owner AND name = $name AND user_id = $user", cancellationToken,
                [.. KeyParameters(key), ("$user", userId)]).ConfigureAwait(false) == 1;

        private async Task<IReadOnlyList<SecretVersionRow>> VersionRowsAsync(string where, (string, object?)[] parameters, CancellationToken cancellationToken)
        {
            using var command = Command(connection, transaction,
                $"SELECT scope, owner, name, version, created_at, created_by, source, value_length, restored_from, key_id, wrapped_key, payload FROM secret_versions {where}", parameters);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<SecretVersionRow>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new SecretVersionRow(new SecretKey(SecretScopeText.Parse(reader.GetString(0)), reader.GetString(1), SecretName.Parse(reader.GetString(2))),
                    new SecretVersion(reader.GetInt32(3), Parse(reader.GetString(4)), reader.GetString(5), SecretVersionText.ParseSource(reader.GetString(6)), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8)),
                    new EncryptedValue(reader.GetString(9), (byte[])reader[10], (byte[])reader[11])));
            }

            return rows;
        }

        public async Task<IReadOnlyList<StoredSecret>> AllAsync(CancellationToken cancellationToken)
        {
            using var command = Command(connection, transaction, "SELECT scope, owner, name, version, key_id, wrapped_key, payload FROM secrets");
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<StoredSecret>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new StoredSecret(new SecretKey(SecretScopeText.Parse(reader.GetString(0)), reader.GetString(1), SecretName.Parse(reader.GetString(2))),
                    reader.GetInt32(3), new EncryptedValue(reader.GetString(4), (byte[])reader[5], (byte[])reader[6])));
            }

            return rows;
        }

        public Task RewrapAsync(SecretKey key, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken) =>
            ExecuteAsync("UPDATE secrets SET key_id = $key, wrapped_key = $wrapped WHERE scope = $scope AND owner = $owner AND name = $name", cancellationToken,
                [("$key", keyId), ("$wrapped", wrappedDataKey), .. KeyParameters(key)]);

        public Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken) =>
            ExecuteAsync(InsertAudit, cancellationToken, ("$at", Format(entry.At)), ("$actor", entry.Actor), ("$action", entry.Action), ("$scope", entry.Scope?.ToText()),
                ("$owner", entry.Owner), ("$name", entry.Name), ("$version", entry.Version), ("$detail", entry.Detail));

        public async Task<long> ChangeAsync(SecretKey? key, CancellationToken cancellationToken)
        {
            using var command = Command(connection, transaction, "INSERT INTO changes (at, scope, owner, name) VALUES ($at, $scope, $owner, $name) RETURNING seq",
                ("$at", Format(time.GetUtcNow())), ("$scope", key?.Scope.ToText()), ("$owner", key?.Owner), ("$name", key?.Name.Value));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            transaction.Dispose();
            connection.Dispose();
            return ValueTask.CompletedTask;
        }

        private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        {
            using var command = Command(connection, transaction, sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
