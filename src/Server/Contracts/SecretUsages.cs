namespace Secrets.Runtime.Server.Contracts;

/// <summary>Where a secret is used: runs that read it (newest first) and saved workflows that refer to it.</summary>
/// <param name="Runs">Each node of a run that read it.</param>
/// <param name="Workflows">Saved workflows whose nodes refer to it and that resolve it from this scope.</param>
public sealed record SecretUsages(IReadOnlyList<SecretRunUse> Runs, IReadOnlyList<SecretWorkflowUse> Workflows);
