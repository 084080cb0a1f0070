using Npgsql;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Versions;
using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// One write transaction on the shared database (READ COMMITTED). It holds the change counter's row lock from its
/// start, so writers on every host run one after another and a row read here is the row this transaction updates.
/// </summary>
internal sealed class PostgresRowsTransaction(PostgresDatabase database, NpgsqlConnection connection, NpgsqlTransaction transaction) : ISecretRowsTransaction
{
    public Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken) => ScalarAsync<string>("SELECT value FROM meta WHERE key = 'master_key_id'", cancellationToken);

    public Task SetMasterKeyIdAsync(string id, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO meta (key, value) VALUES ('master_key_id', $1)", cancellationToken, Text(id));

    public Task<string?> ActiveKeyIdAsync(CancellationToken cancellationToken) => ScalarAsync<string>("SELECT id FROM keys WHERE active", cancellationToken);

    public async Task<long> KeyCountAsync(CancellationToken cancellationToken) =>
        (await ScalarAsync<object>("SELECT COUNT(*) FROM keys", cancellationToken).ConfigureAwait(false)) is long count ? count : 0;

    public async Task InsertKeyAsync(string id, byte[] wrapped, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await ExecuteAsync("UPDATE keys SET active = false", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("INSERT INTO keys (id, wrapped, created_at, active) VALUES ($1, $2, $3, true)", cancellationToken,
            Text(id), new NpgsqlParameter<byte[]> { TypedValue = wrapped }, new NpgsqlParameter<DateTime> { TypedValue = at.UtcDateTime }).ConfigureAwait(false);
    }

    public Task<byte[]?> WrappedKeyAsync(string id, CancellationToken cancellationToken) => ScalarAsync<byte[]>("SELECT wrapped FROM keys WHERE id = $1", cancellationToken, Text(id));

    public Task<SecretMetadata?> CurrentAsync(SecretKey key, CancellationToken cancellationToken) => database.GuardAsync(async () =>
    {
        await using var command = new NpgsqlCommand(PostgresSecretRows.SelectSecret + " FOR UPDATE", connection, transaction);
        PostgresSecretRows.AddKey(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PostgresSecretRows.Metadata(reader) : null;
    });

    public async Task<bool> WriteAsync(SecretRow row, int expectedVersion, CancellationToken cancellationToken)
    {
        var m = row.Metadata;
        var sql = expectedVersion == 0
            ? """
              INSERT INTO secrets (scope, owner, name, version, value_length, key_id, wrapped_key, payload, description, created_at, created_by, updated_at, updated_by, is_system, integration, change)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11, $12, $13, $14)
              ON CONFLICT (scope, owner, name) DO NOTHING
              """
            : """
              UPDATE secrets SET version = $4, value_length = $5, key_id = $6, wrapped_key = $7, payload = $8, description = $9,
                  updated_at = $10, updated_by = $11, is_system = $12, integration = $13, change = $14
              WHERE scope = $1 AND owner = $2 AND name = $3 AND version = $15
              """;
        var changed = await ExecuteAsync(sql, cancellationToken,
            Text(m.Scope.ToText()), Text(m.Owner), Text(m.Name.Value), Int(m.Version), Int(m.ValueLength), Text(row.Value.KeyId),
            new NpgsqlParameter<byte[]> { TypedValue = row.Value.WrappedDataKey }, new NpgsqlParameter<byte[]> { TypedValue = row.Value.Payload },
            new NpgsqlParameter { Value = (object?)m.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter<DateTime> { TypedValue = m.UpdatedAt.UtcDateTime }, Text(m.UpdatedBy), new NpgsqlParameter<bool> { TypedValue = m.IsSystem },
            new NpgsqlParameter { Value = (object?)m.Integration ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter<long> { TypedValue = m.Change }, Int(expectedVersion)).ConfigureAwait(false);
        return changed == 1;
    }

    public async Task DeleteAsync(SecretKey key, CancellationToken cancellationToken)
    {
        await ExecuteAsync("DELETE FROM secrets WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken, Key(key)).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM secret_versions WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken, Key(key)).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM secret_members WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken, Key(key)).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM secret_uses WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken, Key(key)).ConfigureAwait(false);
    }

    public Task InsertVersionAsync(SecretVersionRow row, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            INSERT INTO secret_versions (scope, owner, name, version, value_length, key_id, wrapped_key, payload, created_at, created_by, source, restored_from)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """, cancellationToken,
            [.. Key(row.Key), Int(row.Version.Version), Int(row.Version.ValueLength), Text(row.Value.KeyId), new NpgsqlParameter<byte[]> { TypedValue = row.Value.WrappedDataKey },
                new NpgsqlParameter<byte[]> { TypedValue = row.Value.Payload }, new NpgsqlParameter<DateTime> { TypedValue = row.Version.CreatedAt.UtcDateTime }, Text(row.Version.CreatedBy),
                Text(row.Version.Source.ToText()), new NpgsqlParameter { Value = (object?)row.Version.RestoredFrom ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer }]);

    public async Task<SecretVersionRow?> VersionAsync(SecretKey key, int version, CancellationToken cancellationToken)
    {
        var rows = await VersionRowsAsync("WHERE scope = $1 AND owner = $2 AND name = $3 AND version = $4", cancellationToken, [.. Key(key), Int(version)]).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<SecretVersionRow>> AllVersionsAsync(CancellationToken cancellationToken) => VersionRowsAsync("FOR UPDATE", cancellationToken);

    public Task RewrapVersionAsync(SecretKey key, int version, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE secret_versions SET key_id = $5, wrapped_key = $6 WHERE scope = $1 AND owner = $2 AND name = $3 AND version = $4", cancellationToken,
            [.. Key(key), Int(version), Text(keyId), new NpgsqlParameter<byte[]> { TypedValue = wrappedDataKey }]);

    public Task DescribeAsync(SecretKey key, string? description, DateTimeOffset at, string by, long change, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE secrets SET description = $4, updated_at = $5, updated_by = $6, change = $7 WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken,
            [.. Key(key), NullableText(description), new NpgsqlParameter<DateTime> { TypedValue = at.UtcDateTime }, Text(by), new NpgsqlParameter<long> { TypedValue = change }]);

    public Task<IReadOnlyList<SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken) => database.GuardAsync(async () =>
    {
        await using var command = new NpgsqlCommand(PostgresSecretRows.SelectMembers + " WHERE scope = $1 AND owner = $2 AND name = $3 ORDER BY user_id", connection, transaction);
        command.Parameters.AddRange(Key(key));
        return await PostgresSecretRows.ReadMembersAsync(command, cancellationToken).ConfigureAwait(false);
    });

    public Task PutMemberAsync(SecretMemberRow member, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            INSERT INTO secret_members (scope, owner, name, user_id, role, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (scope, owner, name, user_id) DO UPDATE SET role = excluded.role
            """, cancellationToken,
            [.. Key(member.Key), Text(member.UserId), Text(member.Role == SecretMemberRole.Admin ? "admin" : "member"), new NpgsqlParameter<DateTime> { TypedValue = member.AddedAt.UtcDateTime }, Text(member.AddedBy)]);

    public async Task<bool> DeleteMemberAsync(SecretKey key, string userId, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM secret_members WHERE scope = $1 AND owner = $2 AND name = $3 AND user_id = $4", cancellationToken, [.. Key(key), Text(userId)]).ConfigureAwait(false) == 1;

    private Task<IReadOnlyList<SecretVersionRow>> VersionRowsAsync(string where, CancellationToken cancellationToken, params NpgsqlParameter[] parameters) => database.GuardAsync<IReadOnlyList<SecretVersionRow>>(async () =>
    {
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        await using var command = new NpgsqlCommand(
            $"SELECT scope, owner, name, version, created_at, created_by, source, value_length, restored_from, key_id, wrapped_key, payload FROM secret_versions {where}", connection, transaction);
#pragma warning restore CA2100
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<SecretVersionRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new SecretVersionRow(new SecretKey(SecretScopeText.Parse(reader.GetString(0)), reader.GetString(1), SecretName.Parse(reader.GetString(2))),
                new SecretVersion(reader.GetInt32(3), new DateTimeOffset(reader.GetDateTime(4)), reader.GetString(5), SecretVersionText.ParseSource(reader.GetString(6)), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8)),
                new EncryptedValue(reader.GetString(9), reader.GetFieldValue<byte[]>(10), reader.GetFieldValue<byte[]>(11))));
        }

        return rows;
    });

    private static NpgsqlParameter[] Key(SecretKey key) => [Text(key.Scope.ToText()), Text(key.Owner), Text(key.Name.Value)];

    public Task<IReadOnlyList<StoredSecret>> AllAsync(CancellationToken cancellationToken) => database.GuardAsync<IReadOnlyList<StoredSecret>>(async () =>
    {
        await using var command = new NpgsqlCommand("SELECT scope, owner, name, version, key_id, wrapped_key, payload FROM secrets FOR UPDATE", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<StoredSecret>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(PostgresSecretRows.Stored(reader));
        }

        return rows;
    });

    public Task RewrapAsync(SecretKey key, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE secrets SET key_id = $4, wrapped_key = $5 WHERE scope = $1 AND owner = $2 AND name = $3", cancellationToken,
            Text(key.Scope.ToText()), Text(key.Owner), Text(key.Name.Value), Text(keyId), new NpgsqlParameter<byte[]> { TypedValue = wrappedDataKey });

    public Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO audit (at, actor, action, scope, owner, name, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", cancellationToken,
            new NpgsqlParameter<DateTime> { TypedValue = entry.At.UtcDateTime }, Text(entry.Actor), Text(entry.Action), NullableText(entry.Scope?.ToText()),
            NullableText(entry.Owner), NullableText(entry.Name), new NpgsqlParameter { Value = (object?)entry.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
            NullableText(entry.Detail));

    public async Task<long> ChangeAsync(SecretKey? key, CancellationToken cancellationToken) =>
        (long)(await ScalarAsync<object>(
            $"""
            WITH next AS (UPDATE change_counter SET seq = seq + 1 RETURNING seq),
                 recorded AS (INSERT INTO changes (seq, scope, owner, name) SELECT seq, $1, $2, $3 FROM next RETURNING seq),
                 pruned AS (DELETE FROM changes WHERE at < now() - interval '{PostgresDatabase.ChangeRetention}')
            SELECT seq FROM recorded, pg_notify('{PostgresDatabase.Channel}', seq::text)
            """, cancellationToken, NullableText(key?.Scope.ToText()), NullableText(key?.Owner), NullableText(key?.Name.Value)).ConfigureAwait(false))!;

    public Task CommitAsync(CancellationToken cancellationToken) => database.GuardAsync(() => transaction.CommitAsync(cancellationToken));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is gone: the server rolls the transaction back.
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static NpgsqlParameter<int> Int(int value) => new() { TypedValue = value };

    private static NpgsqlParameter NullableText(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters) => database.GuardAsync(async () =>
    {
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        await using var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

    private Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
        where T : class => database.GuardAsync(async () =>
    {
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        await using var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
        command.Parameters.AddRange(parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as T;
    });
}
