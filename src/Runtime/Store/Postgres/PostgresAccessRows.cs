using Npgsql;
using NpgsqlTypes;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>Users, role grants and tokens in the shared database; each write is one transaction with its audit row.</summary>
internal sealed class PostgresAccessRows(PostgresDatabase database, PostgresChangeFeed feed) : IAccessRows
{
    /// <summary>Migration 3: users, grants, tokens.</summary>
    public const string Migration =
        """
        CREATE TABLE users (id text PRIMARY KEY, created_at timestamptz NOT NULL, created_by text NOT NULL);
        CREATE TABLE grants (
            user_id text NOT NULL REFERENCES users (id), scope text NOT NULL, owner text NOT NULL, role text NOT NULL,
            granted_at timestamptz NOT NULL, granted_by text NOT NULL,
            PRIMARY KEY (user_id, scope, owner));
        CREATE TABLE tokens (
            id text PRIMARY KEY, hash bytea NOT NULL, name text NOT NULL, user_id text NOT NULL REFERENCES users (id),
            scopes text NOT NULL, created_at timestamptz NOT NULL, created_by text NOT NULL,
            expires_at timestamptz, revoked_at timestamptz, last_used_at timestamptz);
        CREATE INDEX tokens_user ON tokens (user_id);
        """;

    private const string TokenColumns = "id, name, user_id, scopes, created_at, created_by, expires_at, revoked_at, last_used_at";

    private const string InsertUser = "INSERT INTO users (id, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING";

    public Task<bool> BootstrapAsync(string userId, IReadOnlyList<RoleGrant> grants, TokenRow token, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            // The meta row's primary key serialises concurrent bootstraps: the second waits for the first, then inserts nothing.
            var claimed = await ExecuteAsync(connection, transaction,
                "INSERT INTO meta (key, value) SELECT 'bootstrapped', $1 WHERE NOT EXISTS (SELECT 1 FROM users) ON CONFLICT (key) DO NOTHING", cancellationToken, Text(userId)).ConfigureAwait(false);
            if (claimed == 0)
            {
                return false;
            }

            foreach (var grant in grants)
            {
                await PutGrantAsync(connection, transaction, new UserGrant(userId, grant, token.Info.CreatedAt, userId), cancellationToken).ConfigureAwait(false);
            }

            await InsertTokenAsync(connection, transaction, token, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public long? AccessMark() => feed.AccessMark;

    public Task<IReadOnlyList<UserGrant>> GrantsAsync(string? userId, CancellationToken cancellationToken) => database.GuardAsync<IReadOnlyList<UserGrant>>(async () =>
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT user_id, scope, owner, role, granted_at, granted_by FROM grants WHERE $1::text IS NULL OR user_id = $1 ORDER BY user_id, scope, owner");
        command.Parameters.Add(NullableText(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var grants = new List<UserGrant>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grants.Add(new UserGrant(reader.GetString(0), new RoleGrant(SecretScopeText.Parse(reader.GetString(1)), reader.GetString(2), RoleText.Parse(reader.GetString(3))),
                new DateTimeOffset(reader.GetDateTime(4)), reader.GetString(5)));
        }

        return grants;
    });

    public Task PutGrantAsync(UserGrant grant, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await PutGrantAsync(connection, transaction, grant, cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<bool> DeleteGrantAsync(string userId, SecretScope scope, string owner, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            if (await ExecuteAsync(connection, transaction, "DELETE FROM grants WHERE user_id = $1 AND scope = $2 AND owner = $3", cancellationToken,
                Text(userId), Text(scope.ToText()), Text(owner)).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await AnnounceAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task InsertTokenAsync(TokenRow token, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await InsertTokenAsync(connection, transaction, token, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<TokenRow?> TokenAsync(string id, CancellationToken cancellationToken) => database.GuardAsync(async () =>
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {TokenColumns}, hash FROM tokens WHERE id = $1");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new TokenRow(Token(reader), reader.GetFieldValue<byte[]>(9)) : null;
    });

    public Task<IReadOnlyList<AccessToken>> TokensAsync(string? userId, CancellationToken cancellationToken) => database.GuardAsync<IReadOnlyList<AccessToken>>(async () =>
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {TokenColumns} FROM tokens WHERE $1::text IS NULL OR user_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(NullableText(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tokens = new List<AccessToken>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(Token(reader));
        }

        return tokens;
    });

    public Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            if (await ExecuteAsync(connection, transaction, "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", cancellationToken,
                Time(at), Text(id)).ConfigureAwait(false) == 0)
            {
                return false;
            }

            await AnnounceAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task TouchTokenAsync(string id, DateTimeOffset at, DateTimeOffset notAfter, CancellationToken cancellationToken) => database.GuardAsync(async () =>
    {
        await using var command = database.DataSource.CreateCommand("UPDATE tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)");
        command.Parameters.Add(Time(at));
        command.Parameters.Add(Text(id));
        command.Parameters.Add(Time(notAfter));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

    private static AccessToken Token(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Name = r.GetString(1),
        UserId = r.GetString(2),
        Scopes = AccessStore.ParseScopes(r.GetString(3)),
        CreatedAt = new DateTimeOffset(r.GetDateTime(4)),
        CreatedBy = r.GetString(5),
        ExpiresAt = r.IsDBNull(6) ? null : new DateTimeOffset(r.GetDateTime(6)),
        RevokedAt = r.IsDBNull(7) ? null : new DateTimeOffset(r.GetDateTime(7)),
        LastUsedAt = r.IsDBNull(8) ? null : new DateTimeOffset(r.GetDateTime(8)),
    };

    private Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> body, CancellationToken cancellationToken) =>
        database.InTransactionAsync(body, cancellationToken);

    private static async Task PutGrantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, UserGrant grant, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, InsertUser, cancellationToken, Text(grant.UserId), Time(grant.GrantedAt), Text(grant.GrantedBy)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            """
            INSERT INTO grants (user_id, scope, owner, role, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (user_id, scope, owner) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at, granted_by = excluded.granted_by
            """, cancellationToken,
            Text(grant.UserId), Text(grant.Grant.Scope.ToText()), Text(grant.Grant.Owner), Text(RoleText.Format(grant.Grant.Role)), Time(grant.GrantedAt), Text(grant.GrantedBy)).ConfigureAwait(false);
    }

    private static async Task InsertTokenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TokenRow token, CancellationToken cancellationToken)
    {
        var t = token.Info;
        await ExecuteAsync(connection, transaction, InsertUser, cancellationToken, Text(t.UserId), Time(t.CreatedAt), Text(t.CreatedBy)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO tokens (id, hash, name, user_id, scopes, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", cancellationToken,
            Text(t.Id), new NpgsqlParameter<byte[]> { TypedValue = token.Hash }, Text(t.Name), Text(t.UserId), Text(AccessStore.FormatScopes(t.Scopes)), Time(t.CreatedAt), Text(t.CreatedBy),
            new NpgsqlParameter { Value = t.ExpiresAt is { } e ? e.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz }).ConfigureAwait(false);
    }

    /// <summary>
    /// Records an access change in the change table and notifies the other hosts, in the write's transaction, so
    /// their remembered authentications end within their staleness bound (in milliseconds while they listen).
    /// </summary>
    private static Task<int> AnnounceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"""
            WITH next AS (UPDATE change_counter SET seq = seq + 1 RETURNING seq),
                 recorded AS (INSERT INTO changes (seq, scope, owner, name) SELECT seq, NULL, $1, NULL FROM next RETURNING seq)
            SELECT pg_notify('{PostgresDatabase.Channel}', seq::text) FROM recorded
            """, cancellationToken, Text(PostgresChangeFeed.AccessOwner));

    private static Task<int> AuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "INSERT INTO audit (at, actor, action, scope, owner, name, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", cancellationToken,
            Time(entry.At), Text(entry.Actor), Text(entry.Action), NullableText(entry.Scope?.ToText()), NullableText(entry.Owner), NullableText(entry.Name),
            new NpgsqlParameter { Value = (object?)entry.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }, NullableText(entry.Detail));

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        await using var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static NpgsqlParameter<DateTime> Time(DateTimeOffset value) => new() { TypedValue = value.UtcDateTime };

    private static NpgsqlParameter NullableText(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
