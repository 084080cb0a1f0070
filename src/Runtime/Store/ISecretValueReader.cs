namespace Secrets.Runtime.Store;

/// <summary>The run-time injection path: the only way to read a value in clear. Internal to the Runtime project.</summary>
internal interface ISecretValueReader
{
    /// <summary>The current value of (scope, owner, name), or null when there is no such secret.</summary>
    Task<ResolvedSecret?> TryReadAsync(SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken);

    /// <summary>Every value the principal may use.</summary>
    Task<IReadOnlyList<ResolvedSecret>> ReadAllAsync(Principal principal, CancellationToken cancellationToken);

    /// <summary>Records that a run used a secret (audit, last used); never the value.</summary>
    Task RecordUsageAsync(SecretUsage usage, CancellationToken cancellationToken);
}
