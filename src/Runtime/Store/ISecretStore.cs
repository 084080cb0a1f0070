using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Store;

/// <summary>
/// The secret store. Write-only by design: nothing here returns a value. Values are read in clear only by the
/// run-time injection path inside the Runtime project.
/// </summary>
public interface ISecretStore
{
    /// <summary>Creates a secret or changes its value (a new version). Refuses system-managed secrets.</summary>
    Task<SecretMetadata> SetAsync(Principal principal, SecretWrite write, CancellationToken cancellationToken = default);

    /// <summary>Creates or changes a system-managed secret owned by <paramref name="integration"/> (for example an OAuth token).</summary>
    Task<SecretMetadata> SetSystemAsync(Principal principal, SecretWrite write, string integration, CancellationToken cancellationToken = default);

    /// <summary>The metadata of one secret, or null when it does not exist.</summary>
    Task<SecretMetadata?> GetAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default);

    /// <summary>The metadata of every secret the principal may read that matches the query.</summary>
    Task<IReadOnlyList<SecretMetadata>> ListAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes a secret and every version of its value. Refuses system-managed secrets.</summary>
    Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default);

    /// <summary>Imports a parsed <c>.env</c> file into one scope atomically: all rows or none.</summary>
    Task<ImportSummary> ImportAsync(Principal principal, SecretScope scope, string owner, DotEnvDocument document, bool dryRun, CancellationToken cancellationToken = default);

    /// <summary>Adds a new key-encryption key, makes it active and re-wraps every data key; values are untouched. Returns the new key id.</summary>
    Task<string> RotateKeyAsync(Principal principal, CancellationToken cancellationToken = default);

    /// <summary>Audit entries since <paramref name="since"/> (all when null), oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> AuditAsync(Principal principal, DateTimeOffset? since, CancellationToken cancellationToken = default);
}
