namespace Secrets.Runtime.Store;

/// <summary>One use of a secret by a node of a run, for the audit log and "last used".</summary>
internal sealed record SecretUsage(string RunId, string NodeId, SecretScope Scope, string Owner, SecretName Name, int Version, string UserId);
