namespace Secrets.Runtime.Store;

/// <summary>
/// The rows of one backend (SQLite, PostgreSQL): SQL and nothing else. Policy, validation, audit decisions and the
/// envelope live in <see cref="SecretStore"/>, so a backend is only its SQL.
/// </summary>
internal interface ISecretRows : IKeyRows, IAsyncDisposable
{
    /// <summary>Where the rows live, for messages (a file path, or host and port; never a password).</summary>
    string Location { get; }

    /// <summary>The users, role grants and tokens in the same database.</summary>
    Access.IAccessRows Access { get; }

    /// <summary>The saved workflows in the same database.</summary>
    SavedWorkflows.ISavedWorkflowRows Workflows { get; }

    /// <summary>
    /// The id of the master key the store's key ring is wrapped with, or null for a store with no key ring yet (its
    /// creation re-reads it in a transaction).
    /// </summary>
    Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken);

    /// <summary>Starts a write transaction; writes of concurrent transactions to one row are serialised.</summary>
    Task<ISecretRowsTransaction> BeginAsync(CancellationToken cancellationToken);

    /// <summary>The metadata of one row, or null.</summary>
    Task<SecretMetadata?> GetAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>The metadata of every row, ordered by scope, owner and name.</summary>
    Task<IReadOnlyList<SecretMetadata>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The rows of <paramref name="keys"/> that exist, in one round trip (or none, from a cache that is fresh enough
    /// and has seen at least change <paramref name="minimumChange"/>).
    /// </summary>
    Task<IReadOnlyList<StoredSecret>> ReadAsync(IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken);

    /// <summary>The history of a secret, newest first; never a value.</summary>
    Task<IReadOnlyList<Versions.SecretVersion>> VersionsAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>The explicit members of a secret.</summary>
    Task<IReadOnlyList<Access.SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>Every secret <paramref name="userId"/> is an explicit member of.</summary>
    Task<IReadOnlyList<Access.SecretMemberRow>> MembershipsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <see cref="Listing.SecretPageFilter.Limit"/> rows matching the filter after its key, in (scope, owner, name)
    /// order; with <see cref="Listing.SecretPageFilter.IncludeMembers"/>, each with its explicit members who are not
    /// admins of its scope (those are implicit admins), ordered by user, in the same query.
    /// </summary>
    Task<IReadOnlyList<SecretMetadata>> PageAsync(Listing.SecretPageFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// True when <paramref name="rows"/>, from <see cref="PageAsync"/>, were handed out before and may be again (a
    /// remembered read answered them): their instances are never changed, so whatever is worked out from one row
    /// instance alone may be kept with it. False for rows read for this call only.
    /// </summary>
    bool IsRemembered(IReadOnlyList<SecretMetadata> rows);

    /// <summary>Up to <paramref name="limit"/> audit rows after id <paramref name="afterId"/>, at or after <paramref name="since"/>, of one action or all, oldest first, with their ids.</summary>
    Task<IReadOnlyList<AuditEntry>> AuditPageAsync(DateTimeOffset since, string? action, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>The latest <paramref name="limit"/> uses of a secret by runs, newest first.</summary>
    Task<IReadOnlyList<Listing.SecretUse>> UsesAsync(SecretKey key, int limit, CancellationToken cancellationToken);

    /// <summary>Audit rows at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> AuditAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Sets "last used" and appends one audit row per use, in one transaction.</summary>
    Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Forgets any cached row of <paramref name="key"/> (all rows when null): this host just changed it.</summary>
    void Forget(SecretKey? key);
}
