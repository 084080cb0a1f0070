using Microsoft.Data.Sqlite;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>Users, role grants and tokens in the SQLite file; each write is one <c>BEGIN IMMEDIATE</c> transaction with its audit row.</summary>
internal sealed class SqliteAccessRows(Func<CancellationToken, Task<SqliteConnection>> open, SqliteChangeMarks marks) : IAccessRows
{
    /// <summary>Migration 3: users, grants, tokens.</summary>
    public const string Migration =
        """
        CREATE TABLE users (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
        CREATE TABLE grants (
            user_id TEXT NOT NULL REFERENCES users (id), scope TEXT NOT NULL, owner TEXT NOT NULL, role TEXT NOT NULL,
            granted_at TEXT NOT NULL, granted_by TEXT NOT NULL,
            PRIMARY KEY (user_id, scope, owner));
        CREATE TABLE tokens (
            id TEXT PRIMARY KEY, hash BLOB NOT NULL, name TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id),
            scopes TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
            expires_at TEXT, revoked_at TEXT, last_used_at TEXT);
        CREATE INDEX tokens_user ON tokens (user_id);
        """;

    private const string TokenColumns = "id, name, user_id, scopes, created_at, created_by, expires_at, revoked_at, last_used_at";

    private const string InsertUser = "INSERT INTO users (id, created_at, created_by) VALUES ($user, $at, $by) ON CONFLICT (id) DO NOTHING";

    public async Task<bool> BootstrapAsync(string userId, IReadOnlyList<RoleGrant> grants, TokenRow token, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        using (var count = SqliteSecretRows.Command(connection, transaction, "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM meta WHERE key = 'bootstrapped')"))
        {
            if ((long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                return false;
            }
        }

        await ExecuteAsync(connection, transaction, "INSERT INTO meta (key, value) VALUES ('bootstrapped', $user)", cancellationToken, ("$user", userId)).ConfigureAwait(false);
        foreach (var grant in grants)
        {
            await PutGrantAsync(connection, transaction, new UserGrant(userId, grant, token.Info.CreatedAt, userId), cancellationToken).ConfigureAwait(false);
        }

        await InsertTokenAsync(connection, transaction, token, cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>What an authentication reads: the token, its user's grants (and users, which grants and tokens name).</summary>
    private const SqliteTables AccessTables = SqliteTables.Tokens | SqliteTables.Grants | SqliteTables.Users;

    public long? AccessMark() => marks.Mark(AccessTables);

    public async Task<IReadOnlyList<UserGrant>> GrantsAsync(string? userId, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var command = SqliteSecretRows.Command(connection, null,
            "SELECT user_id, scope, owner, role, granted_at, granted_by FROM grants WHERE $user IS NULL OR user_id = $user ORDER BY user_id, scope, owner", ("$user", userId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var grants = new List<UserGrant>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grants.Add(new UserGrant(reader.GetString(0), new RoleGrant(SecretScopeText.Parse(reader.GetString(1)), reader.GetString(2), RoleText.Parse(reader.GetString(3))),
                SqliteSecretRows.Parse(reader.GetString(4)), reader.GetString(5)));
        }

        return grants;
    }

    public async Task PutGrantAsync(UserGrant grant, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        await PutGrantAsync(connection, transaction, grant, cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteGrantAsync(string userId, SecretScope scope, string owner, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        if (await ExecuteAsync(connection, transaction, "DELETE FROM grants WHERE user_id = $user AND scope = $scope AND owner = $owner", cancellationToken,
            ("$user", userId), ("$scope", scope.ToText()), ("$owner", owner)).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task InsertTokenAsync(TokenRow token, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        await InsertTokenAsync(connection, transaction, token, cancellationToken).ConfigureAwait(false);
        await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TokenRow?> TokenAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var command = SqliteSecretRows.Command(connection, null, $"SELECT {TokenColumns}, hash FROM tokens WHERE id = $id", ("$id", id));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new TokenRow(Token(reader), (byte[])reader[9]) : null;
    }

    public async Task<IReadOnlyList<AccessToken>> TokensAsync(string? userId, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var command = SqliteSecretRows.Command(connection, null, $"SELECT {TokenColumns} FROM tokens WHERE $user IS NULL OR user_id = $user ORDER BY created_at, id", ("$user", userId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tokens = new List<AccessToken>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(Token(reader));
        }

        return tokens;
    }

    public async Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        if (await ExecuteAsync(connection, transaction, "UPDATE tokens SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL", cancellationToken,
            ("$at", SqliteSecretRows.Format(at)), ("$id", id)).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await AuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task TouchTokenAsync(string id, DateTimeOffset at, DateTimeOffset notAfter, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "UPDATE tokens SET last_used_at = $at WHERE id = $id AND (last_used_at IS NULL OR last_used_at <= $cutoff)", cancellationToken,
            ("$at", SqliteSecretRows.Format(at)), ("$id", id), ("$cutoff", SqliteSecretRows.Format(notAfter))).ConfigureAwait(false);
    }

    private static AccessToken Token(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Name = r.GetString(1),
        UserId = r.GetString(2),
        Scopes = AccessStore.ParseScopes(r.GetString(3)),
        CreatedAt = SqliteSecretRows.Parse(r.GetString(4)),
        CreatedBy = r.GetString(5),
        ExpiresAt = r.IsDBNull(6) ? null : SqliteSecretRows.Parse(r.GetString(6)),
        RevokedAt = r.IsDBNull(7) ? null : SqliteSecretRows.Parse(r.GetString(7)),
        LastUsedAt = r.IsDBNull(8) ? null : SqliteSecretRows.Parse(r.GetString(8)),
    };

    private static async Task PutGrantAsync(SqliteConnection connection, SqliteTransaction transaction, UserGrant grant, CancellationToken cancellationToken)
    {
        var at = SqliteSecretRows.Format(grant.GrantedAt);
        await ExecuteAsync(connection, transaction, InsertUser, cancellationToken, ("$user", grant.UserId), ("$at", at), ("$by", grant.GrantedBy)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            """
            INSERT INTO grants (user_id, scope, owner, role, granted_at, granted_by) VALUES ($user, $scope, $owner, $role, $at, $by)
            ON CONFLICT (user_id, scope, owner) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at, granted_by = excluded.granted_by
            """, cancellationToken,
            ("$user", grant.UserId), ("$scope", grant.Grant.Scope.ToText()), ("$owner", grant.Grant.Owner), ("$role", RoleText.Format(grant.Grant.Role)), ("$at", at), ("$by", grant.GrantedBy)).ConfigureAwait(false);
    }

    private static async Task InsertTokenAsync(SqliteConnection connection, SqliteTransaction transaction, TokenRow token, CancellationToken cancellationToken)
    {
        var t = token.Info;
        var at = SqliteSecretRows.Format(t.CreatedAt);
        await ExecuteAsync(connection, transaction, InsertUser, cancellationToken, ("$user", t.UserId), ("$at", at), ("$by", t.CreatedBy)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO tokens (id, hash, name, user_id, scopes, created_at, created_by, expires_at) VALUES ($id, $hash, $name, $user, $scopes, $at, $by, $expires)", cancellationToken,
            ("$id", t.Id), ("$hash", token.Hash), ("$name", t.Name), ("$user", t.UserId), ("$scopes", AccessStore.FormatScopes(t.Scopes)), ("$at", at), ("$by", t.CreatedBy),
            ("$expires", t.ExpiresAt is { } e ? SqliteSecretRows.Format(e) : null)).ConfigureAwait(false);
    }

    private static Task<int> AuditAsync(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, SqliteSecretRows.InsertAudit, cancellationToken, ("$at", SqliteSecretRows.Format(entry.At)), ("$actor", entry.Actor), ("$action", entry.Action),
            ("$scope", entry.Scope?.ToText()), ("$owner", entry.Owner), ("$name", entry.Name), ("$version", entry.Version), ("$detail", entry.Detail));

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        using var command = SqliteSecretRows.Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
