using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Postgres;
using Secrets.Runtime.Store.Sqlite;
using Secrets.Runtime.Workflows;

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

    private SecretStore(ISecretRows rows, KeyRing keys)
    {
        _rows = rows;
        _keys = keys;
        Access = new AccessStore(rows.Access, TimeProvider.System);
    }

    /// <summary>Users, role grants and bearer tokens in the same database: authentication for the server.</summary>
    public AccessStore Access { get; }

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
    public static async Task<SecretStore> OpenAsync(StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ISecretRows rows = options.Database is { } database
            ? await PostgresSecretRows.OpenAsync(database, options, cancellationToken).ConfigureAwait(false)
            : await SqliteSecretRows.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SecretStore(rows, await OpenKeyRingAsync(rows, options, cancellationToken).ConfigureAwait(false));
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
    public Task<SecretMetadata?> GetAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        Require(principal, scope, owner, SecretRole.Reader, "read");
        return _rows.GetAsync(new SecretKey(scope, owner, name), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SecretMetadata>> ListAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(query);
        var all = await _rows.ListAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(item => (query.Scope is null || item.Scope == query.Scope) && (query.Owner is null || item.Owner == query.Owner)
            && (query.IncludeSystem || !item.IsSystem) && principal.Has(item.Scope, item.Owner, SecretRole.Reader)).ToList();
    }

    /// <inheritdoc />
    public async Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        Require(principal, scope, owner, SecretRole.Writer, "delete");
        var key = new SecretKey(scope, owner, name);
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await transaction.CurrentAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(key);
            RefuseSystem(current, key, "delete");
            await transaction.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            await transaction.ChangeAsync(key, cancellationToken).ConfigureAwait(false);
            await transaction.AuditAsync(Audit(principal, "delete", key, current.Version, null), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _rows.Forget(key);
    }

    /// <inheritdoc />
    public async Task<ImportSummary> ImportAsync(Principal principal, SecretScope scope, string owner, DotEnvDocument document, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(document);
        ValidateOwner(owner);
        Require(principal, scope, owner, SecretRole.Writer, "import into");
        if (document.Errors.Count > 0)
        {
            throw new StoreException("store.import_invalid", ErrorKind.InvalidInput,
                $"import refused, nothing was written ({document.Errors.Count} problem{(document.Errors.Count == 1 ? "" : "s")}): {string.Join("; ", document.Errors)}");
        }

        var tooLong = document.Entries.Where(e => Encoding.UTF8.GetByteCount(e.Value) > SecretWrite.MaxValueBytes).ToList();
        if (tooLong.Count > 0)
        {
            throw new StoreException("store.import_invalid", ErrorKind.InvalidInput,
                $"import refused, nothing was written: {string.Join("; ", tooLong.Select(e => $"line {e.Line}: {e.Name.Value} is longer than {SecretWrite.MaxValueBytes} bytes"))}");
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
                }

                (current is null ? created : updated).Add(entry);
                if (!dryRun)
                {
                    var write = new SecretWrite { Scope = scope, Owner = owner, Name = entry.Name, Value = entry.Value };
                    await WriteRowAsync(transaction, principal, write, current, null, "import", cancellationToken).ConfigureAwait(false);
                }
            }

            if (!dryRun)
            {
                await transaction.AuditAsync(new AuditEntry(DateTimeOffset.UtcNow, principal.AuditName, "import", scope, owner, null, null,
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
                var aad = SecretAssociatedData.For(row.Key.Scope, row.Key.Owner, row.Key.Name, row.Version);
                byte[] rewrapped;
                try
                {
                    rewrapped = EnvelopeCipher.Rewrap(row.Value.WrappedDataKey, aad, await _keys.KekAsync(row.Value.KeyId, transaction, cancellationToken).ConfigureAwait(false), newKek);
                }
                catch (CryptographicException)
                {
                    throw Integrity(row.Key);
                }

                await transaction.RewrapAsync(row.Key, newId, rewrapped, cancellationToken).ConfigureAwait(false);
            }

            await transaction.ChangeAsync(null, cancellationToken).ConfigureAwait(false);
            await transaction.AuditAsync(new AuditEntry(DateTimeOffset.UtcNow, principal.AuditName, "rotate", null, null, null, null,
                string.Create(CultureInfo.InvariantCulture, $"new key {newId}; {rows.Count} data keys re-wrapped")), cancellationToken).ConfigureAwait(false);
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
        var entries = await _rows.AuditAsync(since ?? DateTimeOffset.MinValue, cancellationToken).ConfigureAwait(false);
        return entries.Where(e => principal.IsAdmin || (e.Scope is { } s && e.Owner is not null && principal.Has(s, e.Owner, SecretRole.Reader))).ToList();
    }

    /// <inheritdoc />
    async Task<ResolvedSecret?> ISecretValueReader.TryReadAsync(SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken)
    {
        var found = await ((ISecretValueReader)this).ReadManyAsync([new SecretKey(scope, owner, name)], 0, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<ResolvedSecret>> ISecretValueReader.ReadManyAsync(IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken)
    {
        var rows = await _rows.ReadAsync(keys, minimumChange, cancellationToken).ConfigureAwait(false);
        var values = new List<ResolvedSecret>(rows.Count);
        foreach (var row in rows)
        {
            values.Add(new ResolvedSecret(row.Key.Scope, row.Key.Owner, row.Key.Name, row.Version, await DecryptAsync(row, cancellationToken).ConfigureAwait(false)));
        }

        return values;
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<ResolvedSecret>> ISecretValueReader.ReadAllAsync(Principal principal, CancellationToken cancellationToken)
    {
        var visible = await ListAsync(principal, new SecretListQuery { IncludeSystem = true }, cancellationToken).ConfigureAwait(false);
        return await ((ISecretValueReader)this).ReadManyAsync(visible.Select(m => new SecretKey(m.Scope, m.Owner, m.Name)).ToList(), 0, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    Task ISecretValueReader.RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken) =>
        usages.Count == 0 ? Task.CompletedTask : _rows.RecordUsageAsync(usages, DateTimeOffset.UtcNow, cancellationToken);

    private static async Task<KeyRing> OpenKeyRingAsync(ISecretRows rows, StoreOptions options, CancellationToken cancellationToken)
    {
        string? neededId;
        var read = await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            neededId = await read.MasterKeyIdAsync(cancellationToken).ConfigureAwait(false);
        }

        var keys = new KeyRing(MasterKeySource.Load(options, neededId));
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
                        throw new StoreException("store.master_key_wrong", ErrorKind.Integrity, $"the master key is {keys.MasterKeyId}, but this store needs {stored}");
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
            throw new StoreException("store.value_empty", ErrorKind.InvalidInput, $"the value of {write.Name.Value} is empty; a secret holds 1 byte to 64 KiB");
        }

        if (bytes > SecretWrite.MaxValueBytes)
        {
            throw new StoreException("store.value_too_long", ErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"the value of {write.Name.Value} is {bytes} bytes; the limit is {SecretWrite.MaxValueBytes} (64 KiB)"));
        }

        if (write.Description is { Length: > SecretWrite.MaxDescriptionLength })
        {
            throw new StoreException("store.description_too_long", ErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"description is {write.Description.Length} characters; the limit is {SecretWrite.MaxDescriptionLength}"));
        }

        Require(principal, write.Scope, write.Owner, SecretRole.Writer, "write");
        var key = new SecretKey(write.Scope, write.Owner, write.Name);
        SecretMetadata metadata;
        var transaction = await _rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var current = await transaction.CurrentAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is not null && integration is null)
            {
                RefuseSystem(current, key, "change");
            }

            try
            {
                if (write.ExpectedVersion is { } expected && expected != (current?.Version ?? 0))
                {
                    throw Conflict(key, current?.Version ?? 0, expected);
                }

                metadata = await WriteRowAsync(transaction, principal, write, current, integration, current is null ? "create" : "update", cancellationToken).ConfigureAwait(false);
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
        return metadata;
    }

    private async Task<SecretMetadata> WriteRowAsync(ISecretRowsTransaction transaction, Principal principal, SecretWrite write, SecretMetadata? current, string? integration, string action, CancellationToken cancellationToken)
    {
        var key = new SecretKey(write.Scope, write.Owner, write.Name);
        var version = (current?.Version ?? 0) + 1;
        var now = DateTimeOffset.UtcNow;
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

        await transaction.AuditAsync(Audit(principal, action, key, version, integration is null ? null : $"system secret of {integration}"), cancellationToken).ConfigureAwait(false);
        return metadata;
    }

    private async Task<string> DecryptAsync(StoredSecret row, CancellationToken cancellationToken)
    {
        var kek = await _keys.KekAsync(row.Value.KeyId, _rows, cancellationToken).ConfigureAwait(false);
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

    private static AuditEntry Audit(Principal principal, string action, SecretKey key, int version, string? detail) =>
        new(DateTimeOffset.UtcNow, principal.AuditName, action, key.Scope, key.Owner, key.Name.Value, version, detail);

    private static void ValidateOwner(string owner)
    {
        if (string.IsNullOrWhiteSpace(owner) || owner.Length > 200 || owner.Any(char.IsControl))
        {
            throw new StoreException("store.owner_invalid", ErrorKind.InvalidInput, "owner must be a non-empty id of at most 200 characters (a project, organization or user id)");
        }
    }

    private static void Require(Principal principal, SecretScope scope, string owner, SecretRole role, string what)
    {
        if (!principal.Has(scope, owner, role))
        {
            throw scope == SecretScope.Personal
                ? new StoreException("store.permission_denied", ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what} personal secrets of '{owner}': personal secrets belong to their owner alone")
                : Denied(principal, $"{role.ToString().ToLowerInvariant()} on {scope.ToText()} '{owner}'", $"{what} secrets there");
        }
    }

    private static StoreException Denied(Principal principal, string permission, string what) =>
        new("store.permission_denied", ErrorKind.PermissionDenied, $"user '{principal.UserId}' lacks the {permission} permission needed to {what}");

    private static void RefuseSystem(SecretMetadata current, SecretKey key, string what)
    {
        if (current.IsSystem)
        {
            throw new StoreException("store.system_managed", ErrorKind.Refused,
                $"{key.Scope.ToText()}/{key.Owner}/{key.Name.Value} is managed by the integration '{current.Integration}'; {what} it there, not by hand");
        }
    }

    private static StoreException NotFound(SecretKey key) =>
        new("store.not_found", ErrorKind.NotFound, $"no secret {key.Name.Value} in {key.Scope.ToText()} '{key.Owner}'");

    private static StoreException Integrity(SecretKey key) =>
        new("store.integrity", ErrorKind.Integrity, $"secret {key.Name.Value} in {key.Scope.ToText()} '{key.Owner}' failed its integrity check: the stored ciphertext was altered or moved from another row");

    private static StoreException Conflict(SecretKey key, int actual, int expected) =>
        new("store.conflict", ErrorKind.Conflict, string.Create(CultureInfo.InvariantCulture,
            $"{key.Name.Value} in {key.Scope.ToText()} '{key.Owner}' changed concurrently (version is {actual}, expected {expected}); read it again and retry"));
}
