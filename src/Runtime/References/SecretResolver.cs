using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>
/// Resolves secret names for one run: the workflow's project first, then the organization, then the personal
/// secrets of the run's principal. Each name is read once and pinned, so a rotation during the run never mixes
/// values; the next run reads the new version.
/// </summary>
internal sealed class SecretResolver
{
    private readonly ISecretValueReader _reader;
    private readonly (SecretScope Scope, string Owner)[] _order;
    private readonly Dictionary<SecretName, ResolvedSecret> _pinned = [];

    public SecretResolver(ISecretValueReader reader, string organization, string project, string principal)
    {
        _reader = reader;
        _order = [(SecretScope.Project, project), (SecretScope.Organization, organization), (SecretScope.Personal, principal)];
    }

    /// <summary>Every secret resolved so far in this run.</summary>
    public IReadOnlyCollection<ResolvedSecret> Resolved => _pinned.Values;

    /// <summary>The value of <paramref name="name"/>, or null when no scope in the order has it.</summary>
    public async Task<ResolvedSecret?> TryResolveAsync(SecretName name, CancellationToken cancellationToken)
    {
        if (_pinned.TryGetValue(name, out var pinned))
        {
            return pinned;
        }

        foreach (var (scope, owner) in _order)
        {
            if (await _reader.TryReadAsync(scope, owner, name, cancellationToken).ConfigureAwait(false) is { } found)
            {
                _pinned[name] = found;
                return found;
            }
        }

        return null;
    }

    /// <summary>Where a name was looked for, for the "not found" message.</summary>
    public string SearchedScopes => string.Join(", ", _order.Select(o => $"{o.Scope.ToString().ToLowerInvariant()} '{o.Owner}'"));

    /// <summary>Throws the error for a missing secret: the node, the JSON path and the reference; nothing else.</summary>
    public SecretsRuntimeException Missing(string nodeId, string jsonPath, SecretReference reference) =>
        new("reference.secret_missing", ErrorKind.NotFound,
            $"node '{nodeId}': {jsonPath}: {reference.Text} refers to secret {reference.Name.Value}, which does not exist (looked in {SearchedScopes})");
}
