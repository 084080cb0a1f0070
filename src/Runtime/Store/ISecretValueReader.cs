namespace Secrets.Runtime.Store;

/// <summary>
/// The run-time injection path: the only way to read a value in clear. Internal to the Runtime project. Every method
/// takes the principal the values are read for, needs its <c>runs:execute</c> scope, and never returns a value the
/// principal may not use (neither a member nor admin of the secret): such keys read as absent.
/// </summary>
internal interface ISecretValueReader
{
    /// <summary>The current value of (scope, owner, name), or null when there is no such secret or the principal may not use it.</summary>
    Task<ResolvedSecret?> TryReadAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken);

    /// <summary>
    /// The current values of those of <paramref name="keys"/> that exist, in one round trip; never older than change
    /// <paramref name="minimumChange"/> (0: no minimum).
    /// </summary>
    Task<IReadOnlyList<ResolvedSecret>> ReadManyAsync(Principal principal, IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken);

    /// <summary>Every value the principal may use.</summary>
    Task<IReadOnlyList<ResolvedSecret>> ReadAllAsync(Principal principal, CancellationToken cancellationToken);

    /// <summary>Records that a run used secrets (audit, last used), in one transaction; never a value.</summary>
    Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken);
}
