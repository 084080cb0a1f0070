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

    /// <summary>Whether the principal is admin of any scope (key rotation, whole audit log).</summary>
    public bool IsAdmin => Grants.Any(g => g.Role == SecretRole.Admin);
}
