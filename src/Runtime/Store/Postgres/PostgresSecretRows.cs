using Npgsql;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Versions;
using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// The shared backend: one PostgreSQL database for many hosts. Write transactions take the change counter's row lock
/// first, so writers serialise, change numbers follow commit order and no two writers deadlock; each write records
/// its change and calls <c>pg_notify</c> in the same transaction (the payload is the change number, never a value).
/// Reads of a run's secrets are one query, or none when <see cref="PostgresChangeFeed"/>'s cache is fresh.
/// </summary>
internal sealed class PostgresSecretRows : ISecretRows
{
    /// <summary>
    /// A row's explicit members who are not admins of its scope (those are implicit admins), as one JSON array of
    /// [user, role, added at, added by] ordered by user: a lookup in the members' primary key per row, in the page's query.
    /// </summary>
    private const string MembersColumn =
        """
        (SELECT coalesce(json_agg(json_build_array(m.user_id, m.role, m.added_at, m.added_by) ORDER BY m.user_id), '[]')::text FROM secret_members m
         WHERE m.scope = s.scope AND m.owner = s.owner AND m.name = s.name
           AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = m.user_id AND g.scope = m.scope AND g.role = 'admin' AND (g.owner = '*' OR g.owner = m.owner)))
        """;

    private const string SecretColumns = "scope, owner, name, version, value_length, description, created_at, created_by, updated_at, updated_by, last_used_at, is_system, integration, change";

    private readonly PostgresDatabase _database;
    private readonly PostgresChangeFeed _feed;
    private long _roundTrips;

    private PostgresSecretRows(PostgresDatabase database, PostgresChangeFeed feed)
    {
        _database = database;
        _feed = feed;
        RunRecords = new PostgresRunRecordStore(database, owned: false);
        Access = new PostgresAccessRows(database, feed);
        Workflows = new PostgresSavedWorkflowRows(database);
    }

    public Access.IAccessRows Access { get; }

    public SavedWorkflows.ISavedWorkflowRows Workflows { get; }

    /// <summary>Run records in the same database.</summary>
    public PostgresRunRecordStore RunRecords { get; }

    public string Location => _database.Location;

    /// <summary>The change feed (tests read its listener's process id).</summary>
    public PostgresChangeFeed Feed => _feed;

    /// <summary>How many queries <see cref="ReadAsync"/> has sent (the cache answers the others).</summary>
    public long ReadRoundTrips => Interlocked.Read(ref _roundTrips);

    public static async Task<PostgresSecretRows> OpenAsync(string connection, StoreOptions options, CancellationToken cancellationToken)
    {
        var database = await PostgresDatabase.OpenAsync(connection, cancellationToken).ConfigureAwait(false);
        var feed = new PostgresChangeFeed(database, options.MaxStaleness, options.ListenForChanges, TimeProvider.System);
        try
        {
            await database.GuardAsync(() => feed.StartAsync(cancellationToken)).ConfigureAwait(false);
            return new PostgresSecretRows(database, feed);
        }
        catch
        {
            await feed.DisposeAsync().ConfigureAwait(false);
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _feed.DisposeAsync().ConfigureAwait(false);
        await _database.DisposeAsync().ConfigureAwait(false);
    }

    public void Forget(SecretKey? key) => _feed.Forget(key);

    public async Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken)
    {
        var read = await BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            return await read.MasterKeyIdAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<ISecretRowsTransaction> BeginAsync(CancellationToken cancellationToken) => _database.GuardAsync<ISecretRowsTransaction>(async () =>
    {
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var lockCounter = new NpgsqlCommand("SELECT seq FROM change_counter FOR UPDATE", connection, transaction))
            {
                await lockCounter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new PostgresRowsTransaction(_database, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    });

    public Task<SecretMetadata?> GetAsync(SecretKey key, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT {SecretColumns} FROM secrets WHERE scope = $1 AND owner = $2 AND name = $3");
        AddKey(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Metadata(reader) : null;
    });

    public Task<IReadOnlyList<SecretMetadata>> ListAsync(CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<SecretMetadata>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT {SecretColumns} FROM secrets ORDER BY scope, owner, name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<SecretMetadata>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Metadata(reader));
        }

        return list;
    });

    public Task<IReadOnlyList<StoredSecret>> ReadAsync(IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<StoredSecret>>(async () =>
    {
        if (minimumChange > _feed.Seen)
        {
            await _feed.PollAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_feed.TryGet(keys) is { } cached)
        {
            return cached;
        }

        var generation = _feed.Generation;
        Interlocked.Increment(ref _roundTrips);
        await using var command = _database.DataSource.CreateCommand(
            """
            SELECT s.scope, s.owner, s.name, s.version, s.key_id, s.wrapped_key, s.payload
            FROM unnest($1::text[], $2::text[], $3::text[]) AS k(scope, owner, name)
            JOIN secrets s ON s.scope = k.scope AND s.owner = k.owner AND s.name = k.name
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Scope.ToText()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Owner).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Name.Value).ToArray() });
        var found = new List<StoredSecret>(keys.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(Stored(reader));
            }
        }

        _feed.Store(keys, found, generation);
        return found;
    });

    public Task<byte[]?> WrappedKeyAsync(string id, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var command = _database.DataSource.CreateCommand("SELECT wrapped FROM keys WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    });

    public Task<IReadOnlyList<SecretVersion>> VersionsAsync(SecretKey key, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<SecretVersion>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT version, created_at, created_by, source, value_length, restored_from FROM secret_versions WHERE scope = $1 AND owner = $2 AND name = $3 ORDER BY version DESC");
        AddKey(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<SecretVersion>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new SecretVersion(reader.GetInt32(0), new DateTimeOffset(reader.GetDateTime(1)), reader.GetString(2), SecretVersionText.ParseSource(reader.GetString(3)), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5)));
        }

        return versions;
    });

    public Task<IReadOnlyList<SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var command = _database.DataSource.CreateCommand(SelectMembers + " WHERE scope = $1 AND owner = $2 AND name = $3 ORDER BY user_id");
        AddKey(command.Parameters, key);
        return await ReadMembersAsync(command, cancellationToken).ConfigureAwait(false);
    });

    public Task<IReadOnlyList<SecretMemberRow>> MembershipsAsync(string userId, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        await using var command = _database.DataSource.CreateCommand(SelectMembers + " WHERE user_id = $1 ORDER BY scope, owner, name");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await ReadMembersAsync(command, cancellationToken).ConfigureAwait(false);
    });

    internal const string SelectMembers = "SELECT scope, owner, name, user_id, role, added_at, added_by FROM secret_members";

    internal static async Task<IReadOnlyList<SecretMemberRow>> ReadMembersAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var members = new List<SecretMemberRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(new SecretMemberRow(new SecretKey(SecretScopeText.Parse(reader.GetString(0)), reader.GetString(1), SecretName.Parse(reader.GetString(2))), reader.GetString(3),
                reader.GetString(4) == "admin" ? SecretMemberRole.Admin : SecretMemberRole.Member, new DateTimeOffset(reader.GetDateTime(5)), reader.GetString(6)));
        }

        return members;
    }

    public bool IsRemembered(IReadOnlyList<SecretMetadata> rows) => false;

    public Task<IReadOnlyList<SecretMetadata>> PageAsync(SecretPageFilter filter, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<SecretMetadata>>(async () =>
    {
        // Only the clauses a filter needs, so the keyset seek and the order use the primary key's index.
        var where = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        string Next(NpgsqlParameter parameter)
        {
            parameters.Add(parameter);
            return "$" + parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (filter.Scope is { } scope)
        {
            where.Add("scope = " + Next(new NpgsqlParameter<string> { TypedValue = scope.ToText() }));
        }

        if (filter.Owner is { } owner)
        {
            where.Add("owner = " + Next(new NpgsqlParameter<string> { TypedValue = owner }));
        }

        if (!filter.IncludeSystem)
        {
            where.Add("NOT is_system");
        }

        if (filter.Search is { } search)
        {
            var p = Next(new NpgsqlParameter<string> { TypedValue = search.ToLowerInvariant() });
            where.Add($"(strpos(lower(name), {p}) > 0 OR strpos(lower(coalesce(description, '')), {p}) > 0)");
        }

        if (filter.After is { } after)
        {
            where.Add($"(scope, owner, name) > ({Next(new NpgsqlParameter<string> { TypedValue = after.Scope.ToText() })}, {Next(new NpgsqlParameter<string> { TypedValue = after.Owner })}, {Next(new NpgsqlParameter<string> { TypedValue = after.Name.Value })})");
        }

        var limit = Next(new NpgsqlParameter<int> { TypedValue = filter.Limit });
#pragma warning disable CA2100 // SQL text is built from constant fragments; every value goes through parameters.
        await using var command = _database.DataSource.CreateCommand(
            $"SELECT {SecretColumns}{(filter.IncludeMembers ? ", " + MembersColumn : string.Empty)} FROM secrets s {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))} ORDER BY scope, owner, name LIMIT {limit}");
#pragma warning restore CA2100
        command.Parameters.AddRange(parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<SecretMetadata>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var metadata = Metadata(reader);
            list.Add(filter.IncludeMembers ? metadata with { Members = MemberListJson.Parse(reader.GetString(14), metadata.Scope, ParseTime) } : metadata);
        }

        return list;
    });

    public Task<IReadOnlyList<AuditEntry>> AuditPageAsync(DateTimeOffset since, string? action, long afterId, int limit, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<AuditEntry>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT at, actor, action, scope, owner, name, version, detail, id FROM audit WHERE id > $1 AND at >= $2 AND ($3::text IS NULL OR action = $3) ORDER BY id LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since == DateTimeOffset.MinValue ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) : since.UtcDateTime });
        command.Parameters.Add(Nullable(action));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(Audit(reader) with { Id = reader.GetInt64(8) });
        }

        return entries;
    });

    public Task<IReadOnlyList<SecretUse>> UsesAsync(SecretKey key, int limit, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<SecretUse>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT at, workflow, run_id, node_id, version, user_id FROM secret_uses WHERE scope = $1 AND owner = $2 AND name = $3 ORDER BY id DESC LIMIT $4");
        AddKey(command.Parameters, key);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var uses = new List<SecretUse>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            uses.Add(new SecretUse(new DateTimeOffset(reader.GetDateTime(0)), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5)));
        }

        return uses;
    });

    private static NpgsqlParameter Nullable(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static AuditEntry Audit(NpgsqlDataReader reader) =>
        new(new DateTimeOffset(reader.GetDateTime(0)), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : SecretScopeText.Parse(reader.GetString(3)),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7));

    public Task<IReadOnlyList<AuditEntry>> AuditAsync(DateTimeOffset since, CancellationToken cancellationToken) => _database.GuardAsync<IReadOnlyList<AuditEntry>>(async () =>
    {
        await using var command = _database.DataSource.CreateCommand("SELECT at, actor, action, scope, owner, name, version, detail FROM audit WHERE at >= $1 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since == DateTimeOffset.MinValue ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) : since.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(new DateTimeOffset(reader.GetDateTime(0)), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : SecretScopeText.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return entries;
    });

    public Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, DateTimeOffset at, CancellationToken cancellationToken) => _database.GuardAsync(async () =>
    {
        // One round trip: "last used" once per secret and one audit row per use, from arrays, in one implicit transaction.
        var distinct = usages.DistinctBy(u => (u.Scope, u.Owner, u.Name)).ToList();
        await using var command = _database.DataSource.CreateCommand(
            """
            WITH used AS (
                UPDATE secrets s SET last_used_at = $1
                FROM unnest($2::text[], $3::text[], $4::text[]) AS k(scope, owner, name)
                WHERE s.scope = k.scope AND s.owner = k.owner AND s.name = k.name
                RETURNING 1),
            uses AS (
                INSERT INTO secret_uses (scope, owner, name, at, workflow, run_id, node_id, version, user_id)
                SELECT r.scope, r.owner, r.name, $1, r.workflow, r.run_id, r.node_id, r.version, r.user_id
                FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::integer[], $18::text[])
                    AS r(scope, owner, name, workflow, run_id, node_id, version, user_id)
                RETURNING 1)
            INSERT INTO audit (at, actor, action, scope, owner, name, version, detail)
            SELECT $1, u.actor, 'use', u.scope, u.owner, u.name, u.version, u.detail
            FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::integer[], $10::text[]) AS u(actor, scope, owner, name, version, detail)
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<DateTime> { TypedValue = at.UtcDateTime });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = distinct.Select(u => u.Scope.ToText()).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = distinct.Select(u => u.Owner).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = distinct.Select(u => u.Name.Value).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = usages.Select(u => u.UserId).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = usages.Select(u => u.Scope.ToText()).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = usages.Select(u => u.Owner).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = usages.Select(u => u.Name.Value).ToArray() });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = usages.Select(u => u.Version).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = usages.Select(u => u.Detail ?? $"run {u.RunId} node {u.NodeId}").ToArray() });
        var runUses = usages.Where(u => u.RunId.Length > 0).ToList();
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.Scope.ToText()).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.Owner).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.Name.Value).ToArray() });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = runUses.Select(u => u.Workflow).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.RunId).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.NodeId).ToArray() });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = runUses.Select(u => u.Version).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = runUses.Select(u => u.UserId).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

    internal static void AddKey(NpgsqlParameterCollection parameters, SecretKey key)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Scope.ToText() });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Owner });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Name.Value });
    }

    internal static StoredSecret Stored(NpgsqlDataReader r) =>
        new(new SecretKey(SecretScopeText.Parse(r.GetString(0)), r.GetString(1), SecretName.Parse(r.GetString(2))), r.GetInt32(3),
            new EncryptedValue(r.GetString(4), r.GetFieldValue<byte[]>(5), r.GetFieldValue<byte[]>(6)));

    internal static SecretMetadata Metadata(NpgsqlDataReader r) => new()
    {
        Scope = SecretScopeText.Parse(r.GetString(0)),
        Owner = r.GetString(1),
        Name = SecretName.Parse(r.GetString(2)),
        Version = r.GetInt32(3),
        ValueLength = r.GetInt32(4),
        Description = r.IsDBNull(5) ? null : r.GetString(5),
        CreatedAt = new DateTimeOffset(r.GetDateTime(6)),
        CreatedBy = r.GetString(7),
        UpdatedAt = new DateTimeOffset(r.GetDateTime(8)),
        UpdatedBy = r.GetString(9),
        LastUsedAt = r.IsDBNull(10) ? null : new DateTimeOffset(r.GetDateTime(10)),
        IsSystem = r.GetBoolean(11),
        Integration = r.IsDBNull(12) ? null : r.GetString(12),
        Change = r.GetInt64(13),
    };

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);

    internal static string SelectSecret => $"SELECT {SecretColumns} FROM secrets WHERE scope = $1 AND owner = $2 AND name = $3";
}
