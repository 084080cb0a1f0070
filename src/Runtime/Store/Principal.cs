namespace Secrets.Runtime.Store;

/// <summary>Who is asking: a user id and the roles they hold. Personal secrets belong to their owner alone.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Grants">Roles per scope and owner.</param>
public sealed record Principal(string UserId, IReadOnlyList<RoleGrant> Grants)
{
    /// <summary>A user who is admin of every organization and project: the CLI's local user.</summary>
    public static Principal LocalAdmin(string userId) =>
        new(userId, [new RoleGrant(SecretScope.Organization, "*", SecretRole.Admin), new RoleGrant(SecretScope.Project, "*", SecretRole.Admin)]);

    /// <summary>Whether the principal holds at least <paramref name="role"/> on (scope, owner).</summary>
    public bool Has(SecretScope scope, string owner, SecretRole role) => scope == SecretScope.Personal
        ? string.Equals(owner, UserId, StringComparison.Ordinal)
        : Grants.Any(g => g.Scope == scope && (g.Owner == "*" || string.Equals(g.Owner, owner, StringComparison.Ordinal)) && g.Role >= role);

    /// <summary>
    /// The user who really acts when different from <see cref="UserId"/> (the OS user of a CLI run with
    /// <c>--user</c>); the audit log then records both.
    /// </summary>
    public string? ActingUser { get; init; }

    /// <summary>The actor the audit log records: <c>UserId</c>, or <c>ACTING as UserId</c>.</summary>
    public string AuditName => AuditActor(ActingUser, UserId);

    /// <summary>How the audit log names <paramref name="userId"/> when <paramref name="actingUser"/> acts as them.</summary>
    public static string AuditActor(string? actingUser, string userId) =>
        string.IsNullOrEmpty(actingUser) || string.Equals(actingUser, userId, StringComparison.Ordinal) ? userId : $"{actingUser} as {userId}";

    /// <summary>Whether the principal is admin of any scope (key rotation, whole audit log).</summary>
    public bool IsAdmin => Grants.Any(g => g.Role == SecretRole.Admin);

    /// <summary>Whether the principal is admin of every organization (<c>*</c>): it may manage every user's grants and tokens.</summary>
    public bool IsStoreAdmin => Grants.Any(g => g.Scope == SecretScope.Organization && g.Owner == "*" && g.Role == SecretRole.Admin);

    /// <summary>
    /// The scopes of the token this principal authenticated with (see <see cref="Access.TokenScopes"/>), or null when
    /// it did not come from a token (the CLI's local user), which limits nothing beyond its grants.
    /// </summary>
    public IReadOnlySet<string>? Scopes { get; init; }

    /// <summary>The id of the token this principal authenticated with, or null.</summary>
    public string? TokenId { get; init; }

    /// <summary>Whether the principal's token carries <paramref name="scope"/> (always true without a token).</summary>
    public bool HasScope(string scope) => Scopes is null || Scopes.Contains(scope);
}
