using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Postgres;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Sqlite;
using Secrets.Runtime.Store.Versions;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Store.Crypto;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Store;

/// <summary>
/// The secret store over any backend: the permission policy, validation, audit decisions, import, key rotation and the
/// AES-256-GCM envelope live here; the backend (SQLite in the home folder, or a PostgreSQL database shared by many
/// hosts) only stores rows. Updates check-and-set on the version, so concurrent writers never lose an update silently.
/// </summary>
public sealed class SecretStore : ISecretStore, ISecretValueReader, IDisposable, IAsyncDisposable
{
    private readonly ISecretRows _rows;
    private readonly KeyRing _keys;
    private readonly TimeProvider _time;

    // One instance each (the access store holds the authentication cache), built on first use: a command that only
    // lists secrets needs neither, and the SQLite backend's rows for them load Microsoft.Data.Sqlite's connection types.
    private readonly Lazy<AccessStore> _access;
    private readonly Lazy<SavedWorkflows.SavedWorkflowStore> _workflows;
    private int _disposed;

    private SecretStore(ISecretRows rows, KeyRing keys, StoreOptions options, TimeProvider time)
    {
        _rows = rows;
        _keys = keys;
        _time = time;
        var cacheLifetime = options.MaxStaleness;
        _access = new Lazy<AccessStore>(() => new AccessStore(rows.Access, time, cacheLifetime));
        _workflows = new Lazy<SavedWorkflows.SavedWorkflowStore>(() => new SavedWorkflows.SavedWorkflowStore(rows.Workflows, time));
    }

    /// <summary>Users, role grants and bearer tokens in the same database: authentication for the server.</summary>
    public AccessStore Access => _access.Value;

    /// <summary>Workflows saved in projects, in the same database: every host of a shared store sees the same ones.</summary>
    public SavedWorkflows.SavedWorkflowStore Workflows => _workflows.Value;

    /// <summary>Where the rows live: the SQLite file, or the PostgreSQL host and port (never a password).</summary>
    public string Location => _rows.Location;

    internal ISecretRows Rows => _rows;

    /// <summary>Run records in the shared database, for a PostgreSQL store; null for SQLite (records stay files in the home folder).</summary>
    public IRunRecordStore? SharedRunRecords => _rows is PostgresSecretRows postgres ? postgres.RunRecords : null;

    /// <summary>
    /// Opens the store: PostgreSQL when <see cref="StoreOptions.Database"/> is set, else SQLite in
    /// <see cref="StoreOptions.Home"/>; creates and migrates the schema and the key ring when needed.
    /// </summary>
    /// <exception cref="StoreException">The master key is missing, wrong or malformed, its file is readable by others, or the database cannot be reached.</exception>
    public static Task<SecretStore> OpenAsync(StoreOptions options, CancellationToken cancellationToken = default) =>
        OpenAsync(options, options?.Time ?? TimeProvider.System, cancellationToken);

    /// <summary>Opens the store with <paramref name="time"/> as the clock of its access checks (tests move it).</summary>
    internal static async Task<SecretStore> OpenAsync(StoreOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ISecretRows rows = options.Database is { } database
            ? await PostgresSecretRows.OpenAsync(database, options, cancellationToken).ConfigureAwait(false)
            : await SqliteSecretRows.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SecretStore(rows, await OpenKeyRingAsync(rows, options, cancellationToken).ConfigureAwait(false), options, time);
        }
        catch
        {
            await rows.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // A host's container may dispose the store once per service it is registered as (ISecretStore, SecretStore):
        // only the first call closes the backend, whose PostgreSQL change feed cannot be stopped twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _rows.DisposeAsync().ConfigureAwait(false);
        _keys.Dispose();
    }

    /// <inheritdoc />
    public Task<SecretMetadata> SetAsync(Principal principal, SecretWrite write, CancellationToken cancellationToken = default) =>
        WriteAsync(principal, write, integration: null, cancellationToken);

    /// <inheritdoc />
    public Task<SecretMetadata> SetSystemAsync(Principal principal, SecretWrite write, string integration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(integration);
        return WriteAsync(principal, write, integration, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SecretMetadata?> GetAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.SecretsRead);
        var key = new SecretKey(scope, owner, name);
        var metadata = await _rows.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var role = metadata is null ? null : await RoleAsync(principal, key, cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            // Whoever may not read the scope learns nothing, not even whether the secret exists.
            Require(principal, scope, owner, SecretRole.Reader, "read");
            return null;
        }

        return metadata! with { MyRole = role };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SecretMetadata>> ListAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(query);
        AccessStore.RequireScope(principal, TokenScopes.SecretsRead);
        return await VisibleAsync(principal, query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One page of the secrets the principal may see (member or admin), in (scope, owner, name) order, filtered by
    /// scope, owner and a search over name and description; <see cref="SecretPage.NextCursor"/> continues it. A page
    /// is read in batches until it is full, so secrets the principal may not see never shorten it.
    /// </summary>
    /// <exception cref="StoreException">A limit out of range or a cursor this store did not hand out (<c>store.cursor_invalid</c>).</exception>
    public async Task<SecretPage> ListPageAsync(Principal principal, SecretPageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(query);
        AccessStore.RequireScope(principal, TokenScopes.SecretsRead);
        RequireLimit(query.Limit, SecretPageQuery.MaxLimit);
        if (query.Search is { Length: > 200 })
        {
            throw new StoreException(StoreErrors.SearchTooLongCode, ErrorKind.InvalidInput, "a search is at most 200 characters");
        }

        var after = PageCursor.SecretAfter(query.Cursor);
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();
        IReadOnlyDictionary<SecretKey, SecretMemberRole>? memberships = null;
        var items = new List<SecretMetadata>();
        // The row of each item, while every batch is one the backend handed out before (see SecretPage.Rows).
        List<SecretMetadata>? sources = [];

        // One row more than the page tells whether another page exists; batches grow when rows are hidden.
        var batch = query.Limit + 1;
        while (true)
        {
            var rows = await _rows.PageAsync(new SecretPageFilter(query.Scope, query.Owner, search, query.IncludeSystem, after, batch, query.IncludeMembers), cancellationToken).ConfigureAwait(false);
            if (!_rows.IsRemembered(rows))
            {
                sources = null;
            }

            if (memberships is null && rows.Any(r => NeedsMemberships(principal, new SecretKey(r.Scope, r.Owner, r.Name))))
            {
                memberships = await MembershipsAsync(principal, cancellationToken).ConfigureAwait(false);
            }

            foreach (var row in rows)
            {
                var key = new SecretKey(row.Scope, row.Owner, row.Name);
                after = key;
                if (Combine(principal, key, memberships) is { } role)
                {
                    items.Add(row with { MyRole = role });
                    sources?.Add(row);
                    if (items.Count > query.Limit)
                    {
                        items.RemoveAt(query.Limit);
                        sources?.RemoveAt(query.Limit);
                        var last = items[^1];
                        return new SecretPage(items, PageCursor.ForSecret(new SecretKey(last.Scope, last.Owner, last.Name))) { Rows = sources };
                    }
                }
            }

            if (rows.Count < batch)
            {
                return new SecretPage(items, null) { Rows = sources };
            }

            batch = Math.Min(batch * 2, 1000);
        }
    }

    /// <summary>
    /// The latest uses of a secret by runs: workflow, run, node, version, when and for whom (newest first, at most
    /// <paramref name="limit"/>). Needs the member role.
    /// </summary>
    /// <exception cref="StoreException">Not found, not permitted, or a limit out of range.</exception>
    public async Task<IReadOnlyList<SecretUse>> UsagesAsync(Principal principal, SecretScope scope, string owner, SecretName name, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        RequireLimit(limit, 1000);
        var key = new SecretKey(scope, owner, name);
        await RequireMemberAsync(principal, key, cancellationToken).ConfigureAwait(false);
        return await _rows.UsesAsync(key, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One page of the audit entries the principal may see (all for an admin; else those of scopes it may read),
    /// oldest first, from <see cref="AuditQuery.Since"/>, of one <see cref="AuditQuery.Action"/> or all. Each entry
    /// carries its <see cref="AuditEntry.Id"/>. Needs the <c>audit:read</c> scope.
    /// </summary>
    /// <exception cref="StoreException">A limit out of range, or a cursor this store did not hand out.</exception>
    public async Task<AuditPage> AuditPageAsync(Principal principal, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(query);
        AccessStore.RequireScope(principal, TokenScopes.AuditRead);
        RequireLimit(query.Limit, AuditQuery.MaxLimit);
        var afterId = PageCursor.AuditAfter(query.Cursor);
        var since = query.Since ?? DateTimeOffset.MinValue;
        var entries = new List<AuditEntry>();
        var batch = Math.Max(query.Limit + 1, 200);
        while (true)
        {
            var rows = await _rows.AuditPageAsync(since, query.Action, afterId, batch, cancellationToken).ConfigureAwait(false);
            foreach (var entry in rows)
            {
                afterId = entry.Id;
                if (principal.IsAdmin || (entry.Scope is { } s && entry.Owner is not null && principal.Has(s, entry.Owner, SecretRole.Reader)))
                {
                    entries.Add(entry);
                    if (entries.Count > query.Limit)
                    {
                        entries.RemoveAt(query.Limit);
                        return new AuditPage(entries, PageCursor.ForAudit(entries[^1].Id));
                    }
                }
            }

            if (rows.Count < batch)
            {
                return new AuditPage(entries, null);
            }
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default) =>
        DeleteAsync(principal, scope, owner, name, ifMatch: null, cancellationToken);

    /// <summary>
    /// Deletes a secret, every version of its value and its members; with <paramref name="ifMatch"/>, only when its
    /// <see cref="SecretMetadata.ETag"/> is still that. Needs the admin role on the secret. Refuses system-managed secrets.
    /// </summary>
    /// <exception cref="StoreException">Not found, not permitted, system-managed, or stale (<c>store.precondition_failed</c>).</exception>
    public async Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, string? ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.SecretsWrite);
        var key = new SecretKey(scope, owner, name);
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await CurrentForAdminAsync(transaction, principal, key, "delete", cancellationToken).ConfigureAwait(false);
            RefuseSystem(current, key, "delete");
            CheckETag(key, current, ifMatch);
            await transaction.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            await transaction.ChangeAsync(key, cancellationToken).ConfigureAwait(false);
            await transaction.AuditAsync(Audit(principal, "delete", key, current.Version, null), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _rows.Forget(key);
    }

    /// <summary>
    /// Changes a secret's description only (HTTP PATCH): no new value version, a new <see cref="SecretMetadata.ETag"/>.
    /// Null clears it. Needs the admin role on the secret; honours <paramref name="ifMatch"/>.
    /// </summary>
    /// <exception cref="StoreException">Not found, not permitted, too long, system-managed, or stale.</exception>
    public async Task<SecretMetadata> DescribeAsync(Principal principal, SecretScope scope, string owner, SecretName name, string? description, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (description is { Length: > SecretWrite.MaxDescriptionLength })
        {
            throw DescriptionTooLong(description);
        }

        AccessStore.RequireScope(principal, TokenScopes.SecretsWrite);
        var key = new SecretKey(scope, owner, name);
        SecretMetadata updated;
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await CurrentForAdminAsync(transaction, principal, key, "edit", cancellationToken).ConfigureAwait(false);
            RefuseSystem(current, key, "edit");
            CheckETag(key, current, ifMatch);
            var now = _time.GetUtcNow();
            var change = await transaction.ChangeAsync(key, cancellationToken).ConfigureAwait(false);
            await transaction.DescribeAsync(key, description, now, principal.UserId, change, cancellationToken).ConfigureAwait(false);
            await transaction.AuditAsync(Audit(principal, "describe", key, current.Version, null), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            updated = current with { Description = description, UpdatedAt = now, UpdatedBy = principal.UserId, Change = change, MyRole = SecretMemberRole.Admin };
        }

        _rows.Forget(key);
        return updated;
    }

    /// <summary>The history of a secret, newest first: version, when, by whom and how; never a value. Needs the member role.</summary>
    /// <exception cref="StoreException">Not found or not permitted.</exception>
    public async Task<IReadOnlyList<SecretVersion>> VersionsAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        await RequireMemberAsync(principal, new SecretKey(scope, owner, name), cancellationToken).ConfigureAwait(false);
        return await _rows.VersionsAsync(new SecretKey(scope, owner, name), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a new version with the value of <paramref name="version"/> (source <c>restore</c>); the history keeps
    /// every version. Needs the admin role on the secret; honours <paramref name="ifMatch"/>.
    /// </summary>
    /// <exception cref="StoreException">Not found (secret or version), not permitted, system-managed, stale, or an integrity failure.</exception>
    public async Task<SecretMetadata> RestoreAsync(Principal principal, SecretScope scope, string owner, SecretName name, int version, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.SecretsWrite);
        var key = new SecretKey(scope, owner, name);
        SecretMetadata metadata;
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await CurrentForAdminAsync(transaction, principal, key, "restore", cancellationToken).ConfigureAwait(false);
            RefuseSystem(current, key, "restore");
            CheckETag(key, current, ifMatch);
            var old = await transaction.VersionAsync(key, version, cancellationToken).ConfigureAwait(false) ?? throw StoreErrors.VersionMissing(key, version);
            var value = await DecryptAsync(new StoredSecret(key, version, old.Value), transaction, cancellationToken).ConfigureAwait(false);
            var write = new SecretWrite { Scope = scope, Owner = owner, Name = name, Value = value };
            metadata = await WriteRowAsync(transaction, principal, write, current, null, "restore", SecretVersionSource.Restore, version, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _rows.Forget(key);
        return metadata with { MyRole = SecretMemberRole.Admin };
    }

    /// <summary>
    /// Who may use a secret: the admins of its scope (implicit admins), then its explicit members. Needs the member role.
    /// A personal secret has its owner alone.
    /// </summary>
    /// <exception cref="StoreException">Not found or not permitted.</exception>
    public async Task<IReadOnlyList<SecretMember>> MembersAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var key = new SecretKey(scope, owner, name);
        await RequireMemberAsync(principal, key, cancellationToken).ConfigureAwait(false);
        if (scope == SecretScope.Personal)
        {
            return [new SecretMember(owner, SecretMemberRole.Admin, true, null, null)];
        }

        var implicitAdmins = await ImplicitAdminsAsync(key, cancellationToken).ConfigureAwait(false);
        var explicitMembers = await _rows.MembersAsync(key, cancellationToken).ConfigureAwait(false);
        return implicitAdmins.Order(StringComparer.Ordinal).Select(u => new SecretMember(u, SecretMemberRole.Admin, true, null, null))
            .Concat(explicitMembers.Where(m => !implicitAdmins.Contains(m.UserId)).Select(m => new SecretMember(m.UserId, m.Role, false, m.AddedAt, m.AddedBy)))
            .ToList();
    }

    /// <summary>
    /// Adds <paramref name="userId"/> to a secret, or changes its role. Needs the admin role on the secret. Refuses
    /// personal secrets, changing a scope admin, and demoting the last explicit admin.
    /// </summary>
    /// <exception cref="StoreException">Not found, not permitted, or refused by a rule above.</exception>
    public async Task<SecretMember> PutMemberAsync(Principal principal, SecretScope scope, string owner, SecretName name, string userId, SecretMemberRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.ValidateUser(userId);
        if (!Enum.IsDefined(role))
        {
            throw StoreErrors.RoleUnknown();
        }

        var key = new SecretKey(scope, owner, name);
        var added = new SecretMemberRow(key, userId, role, _time.GetUtcNow(), principal.UserId);
        await ChangeMembersAsync(principal, key, userId, async (transaction, members) =>
        {
            if (role == SecretMemberRole.Member)
            {
                RefuseLastAdmin(key, userId, members);
            }

            await transaction.PutMemberAsync(added, cancellationToken).ConfigureAwait(false);
            return $"user '{userId}' is {StoreErrors.RoleText(role)}";
        }, cancellationToken).ConfigureAwait(false);
        return new SecretMember(userId, role, false, added.AddedAt, added.AddedBy);
    }

    /// <summary>Removes <paramref name="userId"/> from a secret. Same rules as <see cref="PutMemberAsync"/>.</summary>
    /// <exception cref="StoreException">Not found (secret or member), not permitted, or refused.</exception>
    public Task RemoveMemberAsync(Principal principal, SecretScope scope, string owner, SecretName name, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.ValidateUser(userId);
        var key = new SecretKey(scope, owner, name);
        return ChangeMembersAsync(principal, key, userId, async (transaction, members) =>
        {
            RefuseLastAdmin(key, userId, members);
            if (!await transaction.DeleteMemberAsync(key, userId, cancellationToken).ConfigureAwait(false))
            {
                throw StoreErrors.MemberMissing(key, userId);
            }

            return $"user '{userId}' removed";
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ImportSummary> ImportAsync(Principal principal, SecretScope scope, string owner, DotEnvDocument document, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(document);
        ValidateOwner(owner);
        AccessStore.RequireScope(principal, TokenScopes.SecretsWrite);
        Require(principal, scope, owner, SecretRole.Writer, "import into");
        if (document.Errors.Count > 0)
        {
            throw StoreErrors.ImportInvalid($"import refused, nothing was written ({document.Errors.Count} problem{(document.Errors.Count == 1 ? "" : "s")}): {string.Join("; ", document.Errors)}");
        }

        var tooLong = document.Entries.Where(e => Encoding.UTF8.GetByteCount(e.Value) > SecretWrite.MaxValueBytes).ToList();
        if (tooLong.Count > 0)
        {
            throw StoreErrors.ImportInvalid($"import refused, nothing was written: {string.Join("; ", tooLong.Select(e => $"line {e.Line}: {e.Name.Value} is longer than {SecretWrite.MaxValueBytes} bytes"))}");
        }

        var created = new List<DotEnvEntry>();
        var updated = new List<DotEnvEntry>();
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            foreach (var entry in document.Entries)
            {
                var key = new SecretKey(scope, owner, entry.Name);
                var current = await transaction.CurrentAsync(key, cancellationToken).ConfigureAwait(false);
                if (current is not null)
                {
                    RefuseSystem(current, key, "overwrite");
                    await RequireAdminAsync(transaction, principal, key, "overwrite", cancellationToken).ConfigureAwait(false);
                }

                (current is null ? created : updated).Add(entry);
                if (!dryRun)
                {
                    var write = new SecretWrite { Scope = scope, Owner = owner, Name = entry.Name, Value = entry.Value };
                    await WriteRowAsync(transaction, principal, write, current, null, "import", SecretVersionSource.Import, null, cancellationToken).ConfigureAwait(false);
                }
            }

            if (!dryRun)
            {
                await transaction.AuditAsync(new AuditEntry(_time.GetUtcNow(), principal.AuditName, "import", scope, owner, null, null,
                    string.Create(CultureInfo.InvariantCulture, $"{created.Count} created, {updated.Count} updated, {document.Warnings.Count} warnings")), cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (!dryRun)
        {
            _rows.Forget(null);
        }

        return new ImportSummary(created, updated, document.Warnings, dryRun);
    }

    /// <inheritdoc />
    public async Task<string> RotateKeyAsync(Principal principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.SecretsAdmin);
        if (!principal.IsAdmin)
        {
            throw Denied(principal, "admin", "rotate the key ring");
        }

        string newId;
        byte[] newKek;
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            (newId, newKek) = await _keys.AddNextAsync(transaction, cancellationToken).ConfigureAwait(false);
            var rows = await transaction.AllAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                var rewrapped = await RewrapAsync(transaction, row.Key, row.Version, row.Value, newKek, cancellationToken).ConfigureAwait(false);
                await transaction.RewrapAsync(row.Key, newId, rewrapped, cancellationToken).ConfigureAwait(false);
            }

            // Kept versions are values too: each is re-wrapped, so a restore after rotation still opens.
            var versions = await transaction.AllVersionsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var version in versions)
            {
                var rewrapped = await RewrapAsync(transaction, version.Key, version.Version.Version, version.Value, newKek, cancellationToken).ConfigureAwait(false);
                await transaction.RewrapVersionAsync(version.Key, version.Version.Version, newId, rewrapped, cancellationToken).ConfigureAwait(false);
            }

            await transaction.ChangeAsync(null, cancellationToken).ConfigureAwait(false);
            await transaction.AuditAsync(new AuditEntry(_time.GetUtcNow(), principal.AuditName, "rotate", null, null, null, null,
                string.Create(CultureInfo.InvariantCulture, $"new key {newId}; {rows.Count} data keys re-wrapped, and {versions.Count} of kept versions")), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _keys.Remember(newId, newKek);
        _rows.Forget(null);
        return newId;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(Principal principal, DateTimeOffset? since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.AuditRead);
        var entries = await _rows.AuditAsync(since ?? DateTimeOffset.MinValue, cancellationToken).ConfigureAwait(false);
        return entries.Where(e => principal.IsAdmin || (e.Scope is { } s && e.Owner is not null && principal.Has(s, e.Owner, SecretRole.Reader))).ToList();
    }

    /// <inheritdoc />
    async Task<ResolvedSecret?> ISecretValueReader.TryReadAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken)
    {
        var found = await ((ISecretValueReader)this).ReadManyAsync(principal, [new SecretKey(scope, owner, name)], 0, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<ResolvedSecret>> ISecretValueReader.ReadManyAsync(Principal principal, IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.RunsExecute);
        var allowed = await UsableAsync(principal, keys, cancellationToken).ConfigureAwait(false);
        if (allowed.Count == 0)
        {
            return [];
        }

        var rows = await _rows.ReadAsync(allowed, minimumChange, cancellationToken).ConfigureAwait(false);
        var values = new List<ResolvedSecret>(rows.Count);
        foreach (var row in rows)
        {
            values.Add(new ResolvedSecret(row.Key.Scope, row.Key.Owner, row.Key.Name, row.Version, await DecryptAsync(row, _rows, cancellationToken).ConfigureAwait(false)));
        }

        return values;
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<ResolvedSecret>> ISecretValueReader.ReadAllAsync(Principal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        AccessStore.RequireScope(principal, TokenScopes.RunsExecute);
        var visible = await VisibleAsync(principal, new SecretListQuery { IncludeSystem = true }, cancellationToken).ConfigureAwait(false);
        return await ((ISecretValueReader)this).ReadManyAsync(principal, visible.Select(m => new SecretKey(m.Scope, m.Owner, m.Name)).ToList(), 0, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    Task ISecretValueReader.RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken) =>
        usages.Count == 0 ? Task.CompletedTask : _rows.RecordUsageAsync(usages, _time.GetUtcNow(), cancellationToken);

    private static async Task<KeyRing> OpenKeyRingAsync(ISecretRows rows, StoreOptions options, CancellationToken cancellationToken)
    {
        var neededId = await rows.MasterKeyIdAsync(cancellationToken).ConfigureAwait(false);
        var keys = new KeyRing(MasterKeySource.Load(options, neededId), neededId, options.Time);
        try
        {
            if (neededId is null)
            {
                // Two hosts may create the ring at once: the transaction serialises them and the loser checks its key.
                var transaction = await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await keys.InitializeAsync(transaction, cancellationToken).ConfigureAwait(false);
                    var stored = await transaction.MasterKeyIdAsync(cancellationToken).ConfigureAwait(false);
                    if (stored != keys.MasterKeyId)
                    {
                        throw StoreErrors.MasterKeyWrong($"the master key is {keys.MasterKeyId}, but this store needs {stored}");
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return keys;
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }

    private async Task<SecretMetadata> WriteAsync(Principal principal, SecretWrite write, string? integration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(write);
        ValidateOwner(write.Owner);
        var bytes = Encoding.UTF8.GetByteCount(write.Value);
        if (bytes == 0)
        {
            throw StoreErrors.ValueEmpty($"the value of {write.Name.Value} is empty; a secret holds 1 byte to 64 KiB");
        }

        if (bytes > SecretWrite.MaxValueBytes)
        {
            throw StoreErrors.ValueTooLong(string.Create(CultureInfo.InvariantCulture, $"the value of {write.Name.Value} is {bytes} bytes; the limit is {SecretWrite.MaxValueBytes} (64 KiB)"));
        }

        if (write.Description is { Length: > SecretWrite.MaxDescriptionLength })
        {
            throw DescriptionTooLong(write.Description);
        }

        AccessStore.RequireScope(principal, TokenScopes.SecretsWrite);
        var key = new SecretKey(write.Scope, write.Owner, write.Name);
        SecretMetadata metadata;
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await transaction.CurrentAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                // Creating needs the writer role on the scope; the creator becomes the secret's first explicit admin.
                Require(principal, write.Scope, write.Owner, SecretRole.Writer, "write");
            }
            else
            {
                await RequireAdminAsync(transaction, principal, key, "replace the value of", cancellationToken).ConfigureAwait(false);
                if (integration is null)
                {
                    RefuseSystem(current, key, "change");
                }
            }

            try
            {
                if (write.CreateOnly && current is not null)
                {
                    throw StoreErrors.AlreadyExists(key);
                }

                if (write.IfMatch is { } ifMatch)
                {
                    CheckETag(key, current, ifMatch);
                }

                if (write.ExpectedVersion is { } expected && expected != (current?.Version ?? 0))
                {
                    throw Conflict(key, current?.Version ?? 0, expected);
                }

                metadata = await WriteRowAsync(transaction, principal, write, current, integration, current is null ? "create" : "update",
                    integration is null ? SecretVersionSource.Set : SecretVersionSource.Rotate, null, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.Kind == ErrorKind.Conflict)
            {
                // What this host read was stale: the caller reads again, and must not be served the same row.
                _rows.Forget(key);
                throw;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        // The writing host uses the new version at once.
        _rows.Forget(key);
        return metadata with { MyRole = SecretMemberRole.Admin };
    }

    private async Task<SecretMetadata> WriteRowAsync(ISecretRowsTransaction transaction, Principal principal, SecretWrite write, SecretMetadata? current, string? integration, string action,
        SecretVersionSource source, int? restoredFrom, CancellationToken cancellationToken)
    {
        var key = new SecretKey(write.Scope, write.Owner, write.Name);
        var version = (current?.Version ?? 0) + 1;
        var now = _time.GetUtcNow();
        var plaintext = Encoding.UTF8.GetBytes(write.Value);
        EncryptedValue encrypted;
        try
        {
            var (keyId, kek) = await _keys.ActiveAsync(transaction, cancellationToken).ConfigureAwait(false);
            encrypted = EnvelopeCipher.Encrypt(plaintext, SecretAssociatedData.For(write.Scope, write.Owner, write.Name, version), keyId, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var change = await transaction.ChangeAsync(key, cancellationToken).ConfigureAwait(false);
        var metadata = new SecretMetadata
        {
            Scope = write.Scope,
            Owner = write.Owner,
            Name = write.Name,
            Description = write.Description ?? current?.Description,
            Version = version,
            ValueLength = Encoding.UTF8.GetByteCount(write.Value),
            CreatedAt = current?.CreatedAt ?? now,
            CreatedBy = current?.CreatedBy ?? principal.UserId,
            UpdatedAt = now,
            UpdatedBy = principal.UserId,
            LastUsedAt = current?.LastUsedAt,
            IsSystem = integration is not null,
            Integration = integration,
            Change = change,
        };
        if (!await transaction.WriteAsync(new SecretRow(metadata, encrypted), current?.Version ?? 0, cancellationToken).ConfigureAwait(false))
        {
            throw Conflict(key, current?.Version ?? 0, current?.Version ?? 0);
        }

        await transaction.InsertVersionAsync(new SecretVersionRow(key, new SecretVersion(version, now, principal.UserId, source, metadata.ValueLength, restoredFrom), encrypted), cancellationToken).ConfigureAwait(false);
        if (current is null && write.Scope != SecretScope.Personal)
        {
            await transaction.PutMemberAsync(new SecretMemberRow(key, principal.UserId, SecretMemberRole.Admin, now, principal.UserId), cancellationToken).ConfigureAwait(false);
        }

        var detail = restoredFrom is { } from ? string.Create(CultureInfo.InvariantCulture, $"value of version {from}") : integration is null ? null : $"system secret of {integration}";
        await transaction.AuditAsync(Audit(principal, action, key, version, detail), cancellationToken).ConfigureAwait(false);
        return metadata;
    }

    private async Task<byte[]> RewrapAsync(ISecretRowsTransaction transaction, SecretKey key, int version, EncryptedValue value, byte[] newKek, CancellationToken cancellationToken)
    {
        var aad = SecretAssociatedData.For(key.Scope, key.Owner, key.Name, version);
        try
        {
            return EnvelopeCipher.Rewrap(value.WrappedDataKey, aad, await _keys.KekAsync(value.KeyId, transaction, cancellationToken).ConfigureAwait(false), newKek);
        }
        catch (CryptographicException)
        {
            throw Integrity(key);
        }
    }

    /// <summary>The principal's role on a secret: admin of its scope (implicit), its explicit role, member through a scope role, or none.</summary>
    private async Task<SecretMemberRole?> RoleAsync(Principal principal, SecretKey key, CancellationToken cancellationToken)
    {
        if (FromGrants(principal, key) is { } fromGrants && (fromGrants == SecretMemberRole.Admin || key.Scope == SecretScope.Personal))
        {
            return fromGrants;
        }

        var members = await _rows.MembersAsync(key, cancellationToken).ConfigureAwait(false);
        return Combine(principal, key, members);
    }

    private static SecretMemberRole? FromGrants(Principal principal, SecretKey key) =>
        key.Scope == SecretScope.Personal ? (string.Equals(principal.UserId, key.Owner, StringComparison.Ordinal) ? SecretMemberRole.Admin : null)
        : principal.Has(key.Scope, key.Owner, SecretRole.Admin) ? SecretMemberRole.Admin
        : principal.Has(key.Scope, key.Owner, SecretRole.Reader) ? SecretMemberRole.Member
        : null;

    /// <summary>Whether the grants alone do not settle the principal's role on the secret (an explicit membership may raise it).</summary>
    private static bool NeedsMemberships(Principal principal, SecretKey key) =>
        key.Scope != SecretScope.Personal && FromGrants(principal, key) != SecretMemberRole.Admin;

    private async Task<IReadOnlyDictionary<SecretKey, SecretMemberRole>> MembershipsAsync(Principal principal, CancellationToken cancellationToken) =>
        (await _rows.MembershipsAsync(principal.UserId, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Key, m => m.Role);

    private static SecretMemberRole? Combine(Principal principal, SecretKey key, IReadOnlyDictionary<SecretKey, SecretMemberRole>? memberships)
    {
        var fromGrants = FromGrants(principal, key);
        if (fromGrants == SecretMemberRole.Admin || key.Scope == SecretScope.Personal || memberships is null)
        {
            return fromGrants;
        }

        return memberships.TryGetValue(key, out var role) ? role : fromGrants;
    }

    private static SecretMemberRole? Combine(Principal principal, SecretKey key, IEnumerable<SecretMemberRow> members)
    {
        var fromGrants = FromGrants(principal, key);
        if (fromGrants == SecretMemberRole.Admin || key.Scope == SecretScope.Personal)
        {
            return fromGrants;
        }

        var own = members.FirstOrDefault(m => m.Key == key && string.Equals(m.UserId, principal.UserId, StringComparison.Ordinal));
        return own?.Role ?? fromGrants;
    }

    /// <summary>The keys of <paramref name="keys"/> the principal may use (member or admin), in order; the others are dropped, never read.</summary>
    private async Task<IReadOnlyList<SecretKey>> UsableAsync(Principal principal, IReadOnlyList<SecretKey> keys, CancellationToken cancellationToken)
    {
        if (keys.All(k => FromGrants(principal, k) is not null))
        {
            return keys;
        }

        var memberships = await MembershipsAsync(principal, cancellationToken).ConfigureAwait(false);
        return keys.Where(k => Combine(principal, k, memberships) is not null).ToList();
    }

    private async Task<IReadOnlyList<SecretMetadata>> VisibleAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken)
    {
        var all = await _rows.ListAsync(cancellationToken).ConfigureAwait(false);
        var memberships = all.Any(m => NeedsMemberships(principal, new SecretKey(m.Scope, m.Owner, m.Name)))
            ? await MembershipsAsync(principal, cancellationToken).ConfigureAwait(false)
            : null;
        var result = new List<SecretMetadata>();
        foreach (var item in all)
        {
            if ((query.Scope is null || item.Scope == query.Scope) && (query.Owner is null || item.Owner == query.Owner) && (query.IncludeSystem || !item.IsSystem)
                && Combine(principal, new SecretKey(item.Scope, item.Owner, item.Name), memberships) is { } role)
            {
                result.Add(item with { MyRole = role });
            }
        }

        return result;
    }

    private async Task RequireMemberAsync(Principal principal, SecretKey key, CancellationToken cancellationToken)
    {
        AccessStore.RequireScope(principal, TokenScopes.SecretsRead);
        if (await RoleAsync(principal, key, cancellationToken).ConfigureAwait(false) is null)
        {
            Require(principal, key.Scope, key.Owner, SecretRole.Reader, "read");
            throw NotFound(key);
        }

        if (await _rows.GetAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw NotFound(key);
        }
    }

    private static async Task RequireAdminAsync(ISecretRowsTransaction transaction, Principal principal, SecretKey key, string what, CancellationToken cancellationToken)
    {
        if (FromGrants(principal, key) == SecretMemberRole.Admin)
        {
            return;
        }

        var members = key.Scope == SecretScope.Personal ? [] : await transaction.MembersAsync(key, cancellationToken).ConfigureAwait(false);
        var role = Combine(principal, key, members);
        if (role is null)
        {
            Require(principal, key.Scope, key.Owner, SecretRole.Reader, what);
        }

        if (role != SecretMemberRole.Admin)
        {
            throw StoreErrors.NotSecretAdmin(principal, key, what);
        }
    }

    private static async Task<SecretMetadata> CurrentForAdminAsync(ISecretRowsTransaction transaction, Principal principal, SecretKey key, string what, CancellationToken cancellationToken)
    {
        var current = await transaction.CurrentAsync(key, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            Require(principal, key.Scope, key.Owner, SecretRole.Reader, what);
            throw NotFound(key);
        }

        await RequireAdminAsync(transaction, principal, key, what, cancellationToken).ConfigureAwait(false);
        return current;
    }

    private async Task ChangeMembersAsync(Principal principal, SecretKey key, string userId, Func<ISecretRowsTransaction, IReadOnlyList<SecretMemberRow>, Task<string>> change, CancellationToken cancellationToken)
    {
        AccessStore.RequireScope(principal, TokenScopes.SecretsAdmin);
        if (key.Scope == SecretScope.Personal)
        {
            // Checked first: the owner of a personal secret is its admin, and still may not share it.
            throw StoreErrors.PersonalNotShareable(key);
        }

        var implicitAdmins = await ImplicitAdminsAsync(key, cancellationToken).ConfigureAwait(false);
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await CurrentForAdminAsync(transaction, principal, key, "manage the members of", cancellationToken).ConfigureAwait(false);
            if (implicitAdmins.Contains(userId))
            {
                throw StoreErrors.ImplicitAdmin(key, userId);
            }

            var members = await transaction.MembersAsync(key, cancellationToken).ConfigureAwait(false);
            var detail = await change(transaction, members).ConfigureAwait(false);
            await transaction.AuditAsync(Audit(principal, "member", key, current.Version, detail), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void RefuseLastAdmin(SecretKey key, string userId, IReadOnlyList<SecretMemberRow> members)
    {
        var admins = members.Where(m => m.Role == SecretMemberRole.Admin).Select(m => m.UserId).ToList();
        if (admins.Count == 1 && admins[0] == userId)
        {
            throw StoreErrors.LastAdmin(key, userId);
        }
    }

    private async Task<HashSet<string>> ImplicitAdminsAsync(SecretKey key, CancellationToken cancellationToken)
    {
        var grants = await _rows.Access.GrantsAsync(null, cancellationToken).ConfigureAwait(false);
        return grants.Where(g => g.Grant.Scope == key.Scope && g.Grant.Role == SecretRole.Admin && (g.Grant.Owner == "*" || g.Grant.Owner == key.Owner))
            .Select(g => g.UserId).ToHashSet(StringComparer.Ordinal);
    }

    private static void CheckETag(SecretKey key, SecretMetadata? current, string? ifMatch)
    {
        if (ifMatch is null || ifMatch == "*" && current is not null)
        {
            return;
        }

        if (current is null || !string.Equals(current.ETag, ifMatch, StringComparison.Ordinal))
        {
            throw StoreErrors.PreconditionFailed(key, current?.ETag, ifMatch);
        }
    }

    private static void RequireLimit(int limit, int max)
    {
        if (limit < 1 || limit > max)
        {
            throw new StoreException(StoreErrors.LimitInvalidCode, ErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"a page holds 1 to {max} items"));
        }
    }

    private static StoreException DescriptionTooLong(string description) =>
        StoreErrors.DescriptionTooLong(string.Create(CultureInfo.InvariantCulture, $"description is {description.Length} characters; the limit is {SecretWrite.MaxDescriptionLength}"));

    private async Task<string> DecryptAsync(StoredSecret row, IKeyRows keyRows, CancellationToken cancellationToken)
    {
        var kek = await _keys.KekAsync(row.Value.KeyId, keyRows, cancellationToken).ConfigureAwait(false);
        byte[] plaintext;
        try
        {
            plaintext = EnvelopeCipher.Decrypt(row.Value, SecretAssociatedData.For(row.Key.Scope, row.Key.Owner, row.Key.Name, row.Version), kek);
        }
        catch (CryptographicException)
        {
            throw Integrity(row.Key);
        }

        try
        {
            return Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private AuditEntry Audit(Principal principal, string action, SecretKey key, int version, string? detail) =>
        new(_time.GetUtcNow(), principal.AuditName, action, key.Scope, key.Owner, key.Name.Value, version, detail);

    private static void ValidateOwner(string owner)
    {
        if (string.IsNullOrWhiteSpace(owner) || owner.Length > 200 || owner.Any(char.IsControl))
        {
            throw StoreErrors.OwnerInvalid("owner must be a non-empty id of at most 200 characters (a project, organization or user id)");
        }
    }

    private static void Require(Principal principal, SecretScope scope, string owner, SecretRole role, string what)
    {
        if (!principal.Has(scope, owner, role))
        {
            throw scope == SecretScope.Personal
                ? StoreErrors.PermissionDenied($"user '{principal.UserId}' may not {what} personal secrets of '{owner}': personal secrets belong to their owner alone")
                : Denied(principal, $"{role.ToString().ToLowerInvariant()} on {scope.ToText()} '{owner}'", $"{what} secrets there");
        }
    }

    private static StoreException Denied(Principal principal, string permission, string what) =>
        StoreErrors.PermissionDenied($"user '{principal.UserId}' lacks the {permission} permission needed to {what}");

    private static void RefuseSystem(SecretMetadata current, SecretKey key, string what)
    {
        if (current.IsSystem)
        {
            throw StoreErrors.SystemManaged($"{key.Scope.ToText()}/{key.Owner}/{key.Name.Value} is managed by the integration '{current.Integration}'; {what} it there, not by hand");
        }
    }

    private static StoreException NotFound(SecretKey key) =>
        StoreErrors.NotFound($"no secret {key.Name.Value} in {key.Scope.ToText()} '{key.Owner}'");

    private static StoreException Integrity(SecretKey key) =>
        StoreErrors.Integrity($"secret {key.Name.Value} in {key.Scope.ToText()} '{key.Owner}' failed its integrity check: the stored ciphertext was altered or moved from another row");

    private static StoreException Conflict(SecretKey key, int actual, int expected) =>
        StoreErrors.Conflict(string.Create(CultureInfo.InvariantCulture,
            $"{key.Name.Value} in {key.Scope.ToText()} '{key.Owner}' changed concurrently (version is {actual}, expected {expected}); read it again and retry"));
}
