using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>The scopes a token may carry; each endpoint requires one (its authorization policy has the same name).</summary>
public static class ApiScopes
{
    /// <summary>List secrets and read their metadata, versions and usages.</summary>
    public const string SecretsRead = TokenScopes.SecretsRead;

    /// <summary>Create, change, restore, import and delete secrets.</summary>
    public const string SecretsWrite = TokenScopes.SecretsWrite;

    /// <summary>Manage members and rotate keys.</summary>
    public const string SecretsAdmin = TokenScopes.SecretsAdmin;

    /// <summary>Save workflows, start runs and read their masked records.</summary>
    public const string RunsExecute = TokenScopes.RunsExecute;

    /// <summary>Read the audit log.</summary>
    public const string AuditRead = TokenScopes.AuditRead;

    /// <summary>Create, list and revoke tokens.</summary>
    public const string TokensManage = TokenScopes.TokensManage;

    /// <summary>Every scope.</summary>
    public static IReadOnlyList<string> All => TokenScopes.All;

    /// <summary>Whether a token holding <paramref name="held"/> carries <paramref name="required"/>: scopes are exact, as the store checks them.</summary>
    public static bool Satisfies(IEnumerable<string> held, string required)
    {
        ArgumentNullException.ThrowIfNull(held);
        return held.Contains(required, StringComparer.Ordinal);
    }
}
