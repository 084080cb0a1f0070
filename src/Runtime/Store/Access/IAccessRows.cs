namespace Secrets.Runtime.Store.Access;

/// <summary>
/// The users, role grants and tokens of one backend: SQL and nothing else. Each write runs in its own transaction
/// together with its audit row. The policy lives in <see cref="AccessStore"/>.
/// </summary>
internal interface IAccessRows
{
    /// <summary>
    /// On a store with no users: adds the user, its grants and its token, marks the store bootstrapped and returns
    /// true; otherwise changes nothing and returns false. Concurrent callers: one wins.
    /// </summary>
    Task<bool> BootstrapAsync(string userId, IReadOnlyList<RoleGrant> grants, TokenRow token, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The grants of one user, or of every user when null, ordered by user, scope and owner.</summary>
    Task<IReadOnlyList<UserGrant>> GrantsAsync(string? userId, CancellationToken cancellationToken);

    /// <summary>Adds the grant (and the user when new), replacing the role the user held on the same scope and owner.</summary>
    Task PutGrantAsync(UserGrant grant, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Removes the user's grant on (scope, owner); false when there was none.</summary>
    Task<bool> DeleteGrantAsync(string userId, SecretScope scope, string owner, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Adds a token (and its user when new).</summary>
    Task InsertTokenAsync(TokenRow token, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>One token, or null.</summary>
    Task<TokenRow?> TokenAsync(string id, CancellationToken cancellationToken);

    /// <summary>The tokens of one user, or of every user when null, oldest first.</summary>
    Task<IReadOnlyList<AccessToken>> TokensAsync(string? userId, CancellationToken cancellationToken);

    /// <summary>Marks a token revoked; false when it does not exist or was already revoked.</summary>
    Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// A number that changes whenever an access row may have changed, as far as this host can tell cheaply; null when
    /// remembered authentications must not be used now. SQLite: the mark of the tokens, grants and users tables (any
    /// write to them, by any connection or process, changes it; a commit that writes none of them does not).
    /// PostgreSQL: the access changes and full resets the change feed has applied, null while the feed is not fresh.
    /// </summary>
    long? AccessMark();

    /// <summary>Records that a token authenticated at <paramref name="at"/>, unless it was recorded after <paramref name="notAfter"/>.</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, DateTimeOffset notAfter, CancellationToken cancellationToken);
}
