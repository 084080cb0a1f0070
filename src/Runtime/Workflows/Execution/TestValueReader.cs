using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>Test values served as organization secrets, for trying a node offline; it stores and audits nothing.</summary>
internal sealed class TestValueReader : ISecretStore, ISecretValueReader, IDisposable
{
    private readonly Dictionary<SecretName, string> _values;
    private readonly string? _organization;

    /// <summary>Serves <paramref name="values"/> as the secrets of <paramref name="organization"/>; null: of whichever organization asks.</summary>
    public TestValueReader(IReadOnlyDictionary<string, string> values, string? organization)
    {
        _values = values.ToDictionary(v => SecretName.Parse(v.Key), v => v.Value);
        _organization = organization;
    }

    public Task<ResolvedSecret?> TryReadAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken) =>
        Task.FromResult(scope == SecretScope.Organization && (_organization is null || owner == _organization) && _values.TryGetValue(name, out var value)
            ? new ResolvedSecret(scope, owner, name, 1, value)
            : null);

    public async Task<IReadOnlyList<ResolvedSecret>> ReadManyAsync(Principal principal, IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken)
    {
        var found = new List<ResolvedSecret>();
        foreach (var key in keys)
        {
            if (await TryReadAsync(principal, key.Scope, key.Owner, key.Name, cancellationToken).ConfigureAwait(false) is { } value)
            {
                found.Add(value);
            }
        }

        return found;
    }

    public Task<IReadOnlyList<ResolvedSecret>> ReadAllAsync(Principal principal, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ResolvedSecret>>(_values.Select(v => new ResolvedSecret(SecretScope.Organization, _organization ?? "default", v.Key, 1, v.Value)).ToList());

    public Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<SecretMetadata> SetAsync(Principal principal, SecretWrite write, CancellationToken cancellationToken = default) => throw ReadOnly();

    public Task<SecretMetadata> SetSystemAsync(Principal principal, SecretWrite write, string integration, CancellationToken cancellationToken = default) => throw ReadOnly();

    public Task<SecretMetadata?> GetAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default) => Task.FromResult<SecretMetadata?>(null);

    public Task<IReadOnlyList<SecretMetadata>> ListAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<SecretMetadata>>([]);

    public Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default) => throw ReadOnly();

    public Task<ImportSummary> ImportAsync(Principal principal, SecretScope scope, string owner, DotEnvDocument document, bool dryRun, CancellationToken cancellationToken = default) => throw ReadOnly();

    public Task<string> RotateKeyAsync(Principal principal, CancellationToken cancellationToken = default) => throw ReadOnly();

    public Task<IReadOnlyList<AuditEntry>> AuditAsync(Principal principal, DateTimeOffset? since, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<AuditEntry>>([]);

    public void Dispose()
    {
    }

    private static StoreException ReadOnly() => StoreErrors.ReadOnly("test values are read-only");
}
