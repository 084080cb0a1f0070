using System.Collections.Frozen;

namespace Secrets.Runtime.Store.Access;

/// <summary>What a token may be used for. A principal from a token can do only what both its grants and its scopes allow.</summary>
internal static class TokenScopes
{
    /// <summary>See secrets' metadata, versions, members and usages.</summary>
    public const string SecretsRead = "secrets:read";

    /// <summary>Create secrets and change values and descriptions.</summary>
    public const string SecretsWrite = "secrets:write";

    /// <summary>Delete secrets, manage members, role grants and key rotation.</summary>
    public const string SecretsAdmin = "secrets:admin";

    /// <summary>Start runs, which read values in clear inside the runtime.</summary>
    public const string RunsExecute = "runs:execute";

    /// <summary>Read the audit log.</summary>
    public const string AuditRead = "audit:read";

    /// <summary>Create, list and revoke tokens.</summary>
    public const string TokensManage = "tokens:manage";

    /// <summary>Every scope, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } = [SecretsRead, SecretsWrite, SecretsAdmin, RunsExecute, AuditRead, TokensManage];

    /// <summary>The scopes a token gets when none are named: reading metadata and running workflows.</summary>
    public static IReadOnlyList<string> Default { get; } = [SecretsRead, RunsExecute];

    private static readonly FrozenSet<string> Known = All.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="scope"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string scope) => Known.Contains(scope);
}
