using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>
/// Resolves secret names for one run: the workflow's project first, then the organization, then the personal
/// secrets of the run's principal. Each name is read once and pinned, so a rotation during the run never mixes
/// values; the next run reads the new version. <see cref="PrefetchAsync"/> reads every name of a run in one round trip.
/// </summary>
internal sealed class SecretResolver
{
    private readonly ISecretValueReader _reader;
    private readonly (SecretScope Scope, string Owner)[] _order;
    private readonly Dictionary<SecretName, ResolvedSecret> _pinned = [];
    private readonly long _minimumChange;
    private readonly Principal _principal;

    /// <param name="reader">Where values come from.</param>
    /// <param name="organization">The workflow's organization.</param>
    /// <param name="project">The workflow's project.</param>
    /// <param name="principal">Whom values are read for: every read is checked against it, and its personal secrets apply.</param>
    /// <param name="minimumChange">No value older than this store change number is used (0: no minimum).</param>
    public SecretResolver(ISecretValueReader reader, string organization, string project, Principal principal, long minimumChange = 0)
    {
        _reader = reader;
        _principal = principal;
        _order = [(SecretScope.Project, project), (SecretScope.Organization, organization), (SecretScope.Personal, principal.UserId)];
        _minimumChange = minimumChange;
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

        await PrefetchAsync([name], cancellationToken).ConfigureAwait(false);
        return _pinned.GetValueOrDefault(name);
    }

    /// <summary>Reads and pins every name not pinned yet, in every scope of the order, with one read of the store.</summary>
    public async Task PrefetchAsync(IEnumerable<SecretName> names, CancellationToken cancellationToken)
    {
        var wanted = names.Where(n => !_pinned.ContainsKey(n)).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var keys = wanted.SelectMany(name => _order.Select(o => new SecretKey(o.Scope, o.Owner, name))).ToList();
        var found = (await _reader.ReadManyAsync(_principal, keys, _minimumChange, cancellationToken).ConfigureAwait(false))
            .ToDictionary(r => new SecretKey(r.Scope, r.Owner, r.Name));
        foreach (var name in wanted)
        {
            foreach (var (scope, owner) in _order)
            {
                if (found.TryGetValue(new SecretKey(scope, owner, name), out var value))
                {
                    _pinned[name] = value;
                    break;
                }
            }
        }
    }

    /// <summary>Where a name was looked for, for the "not found" message.</summary>
    public string SearchedScopes => string.Join(", ", _order.Select(o => $"{o.Scope.ToString().ToLowerInvariant()} '{o.Owner}'"));

    /// <summary>Throws the error for a missing secret: the node, the JSON path and the reference; nothing else.</summary>
    public SecretsRuntimeException Missing(string nodeId, string jsonPath, SecretReference reference) =>
        ReferenceErrors.SecretMissing($"node '{nodeId}': {jsonPath}: {reference.Text} refers to secret {reference.Name.Value}, which does not exist (looked in {SearchedScopes})");
}
