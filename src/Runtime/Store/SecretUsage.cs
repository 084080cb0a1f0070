namespace Secrets.Runtime.Store;

/// <summary>One use of a secret by a node of a run, for the audit log and "last used".</summary>
internal sealed record SecretUsage(string RunId, string NodeId, SecretScope Scope, string Owner, SecretName Name, int Version, string UserId)
{
    /// <summary>What used the secret when it was not a node of a run (<c>eval</c>, <c>redact</c>); null for a run.</summary>
    public string? Detail { get; init; }

    /// <summary>The workflow of the run, for the secret's usages; null when unknown.</summary>
    public string? Workflow { get; init; }
}
