using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with versioned migrations. Values are AES-256-GCM
/// envelopes; updates check-and-set on the version so concurrent writers never lose an update silently.
/// </summary>
public sealed class SqliteSecretStore : ISecretStore, ISecretValueReader, IDisposable
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE keys (id TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created_at TEXT NOT NULL, active INTEGER NOT NULL);
        CREATE TABLE secrets (
            scope TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,
            version INTEGER NOT NULL, value_length INTEGER NOT NULL,
            key_id TEXT NOT NULL, wrapped_key BLOB NOT NULL, payload BLOB NOT NULL,
            description TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, last_used_at TEXT,
            is_system INTEGER NOT NULL DEFAULT 0, integration TEXT,
            PRIMARY KEY (scope, owner, name));
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            scope TEXT, owner TEXT, name TEXT, version INTEGER, detail TEXT);
        CREATE INDEX audit_at ON audit (at);
        """,
    ];

    private readonly string _connectionString;
    private readonly MasterKey _master;
    private readonly Lock _keysLock = new();
    private Dictionary<string, byte[]> _keks = new(StringComparer.Ordinal);

    private SqliteSecretStore(string connectionString, MasterKey master)
    {
        _connectionString = connectionString;
        _master = master;
    }

    /// <summary>Opens (creating and migrating if needed) the store in <see cref="StoreOptions.Home"/>.</summary>
    /// <exception cref="StoreException">The master key is missing, wrong, malformed, or its file is readable by others.</exception>
    public static async Task<SqliteSecretStore> OpenAsync(StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.Home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(options.Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = options.DatabasePath, Pooling = true, DefaultTimeout = 30 }.ToString();
        string? neededKeyId;
        using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=30000;", cancellationToken).ConfigureAwait(false);
            await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
            neededKeyId = await ScalarAsync<string?>(connection, "SELECT value FROM meta WHERE key = 'master_key_id'", cancellationToken).ConfigureAwait(false);
        }

        var master = MasterKeySource.Load(options, neededKeyId);
        var store = new SqliteSecretStore(connectionString, master);
        if (neededKeyId is null)
        {
            await store.InitializeKeyRingAsync(cancellationToken).ConfigureAwait(false);
        }

        return store;
    }

    /// <inheritdoc />
    public void Dispose() => _master.Dispose();

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
        Require(principal, scope, owner, SecretRole.Reader, "read");
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, "SELECT * FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name", ("$scope", scope.ToText()), ("$owner", owner), ("$name", name.Value));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Metadata(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SecretMetadata>> ListAsync(Principal principal, SecretListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(query);
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, "SELECT * FROM secrets ORDER BY scope, owner, name");
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<SecretMetadata>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var item = Metadata(reader);
            if ((query.Scope is null || item.Scope == query.Scope) && (query.Owner is null || item.Owner == query.Owner)
                && (query.IncludeSystem || !item.IsSystem) && principal.Has(item.Scope, item.Owner, SecretRole.Reader))
            {
                list.Add(item);
            }
        }

        return list;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        Require(principal, scope, owner, SecretRole.Writer, "delete");
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var current = await CurrentAsync(connection, transaction, scope, owner, name, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(scope, owner, name);
        RefuseSystem(current, scope, owner, name, "delete");
        using (var delete = Command(connection, "DELETE FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name", ("$scope", scope.ToText()), ("$owner", owner), ("$name", name.Value)))
        {
            delete.Transaction = transaction;
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(connection, transaction, principal.AuditName, "delete", scope, owner, name.Value, current.Version, null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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

        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var created = new List<DotEnvEntry>();
        var updated = new List<DotEnvEntry>();
        foreach (var entry in document.Entries)
        {
            var current = await CurrentAsync(connection, transaction, scope, owner, entry.Name, cancellationToken).ConfigureAwait(false);
            if (current is not null)
            {
                RefuseSystem(current, scope, owner, entry.Name, "overwrite");
            }

            (current is null ? created : updated).Add(entry);
            if (!dryRun)
            {
                var write = new SecretWrite { Scope = scope, Owner = owner, Name = entry.Name, Value = entry.Value };
                await WriteRowAsync(connection, transaction, principal, write, current, null, "import", cancellationToken).ConfigureAwait(false);
            }
        }

        if (dryRun)
        {
            transaction.Rollback();
        }
        else
        {
            await AuditAsync(connection, transaction, principal.AuditName, "import", scope, owner, null, null,
                string.Create(CultureInfo.InvariantCulture, $"{created.Count} created, {updated.Count} updated, {document.Warnings.Count} warnings"), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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

        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var count = await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM keys", cancellationToken, transaction).ConfigureAwait(false);
        var newId = string.Create(CultureInfo.InvariantCulture, $"k{count + 1}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        var newKek = RandomNumberGenerator.GetBytes(EnvelopeCipher.KeySize);
        await InsertKeyAsync(connection, transaction, newId, newKek, cancellationToken).ConfigureAwait(false);

        var rows = new List<(string Scope, string Owner, string Name, int Version, string KeyId, byte[] Wrapped)>();
        using (var select = Command(connection, "SELECT scope, owner, name, version, key_id, wrapped_key FROM secrets"))
        {
            select.Transaction = transaction;
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4), (byte[])reader[5]));
            }
        }

        foreach (var row in rows)
        {
            var scope = SecretScopeText.Parse(row.Scope);
            var name = SecretName.Parse(row.Name);
            var aad = SecretAssociatedData.For(scope, row.Owner, name, row.Version);
            byte[] rewrapped;
            try
            {
                rewrapped = EnvelopeCipher.Rewrap(row.Wrapped, aad, await KekAsync(row.KeyId, connection, transaction, cancellationToken).ConfigureAwait(false), newKek);
            }
            catch (CryptographicException)
            {
                throw Integrity(scope, row.Owner, name);
            }

            using var update = Command(connection, "UPDATE secrets SET key_id = $key, wrapped_key = $wrapped WHERE scope = $scope AND owner = $owner AND name = $name",
                ("$key", newId), ("$wrapped", rewrapped), ("$scope", row.Scope), ("$owner", row.Owner), ("$name", row.Name));
            update.Transaction = transaction;
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(connection, transaction, principal.AuditName, "rotate", null, null, null, null,
            string.Create(CultureInfo.InvariantCulture, $"new key {newId}; {rows.Count} data keys re-wrapped"), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        lock (_keysLock)
        {
            _keks = new Dictionary<string, byte[]>(_keks, StringComparer.Ordinal) { [newId] = newKek };
        }

        return newId;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(Principal principal, DateTimeOffset? since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, "SELECT at, actor, action, scope, owner, name, version, detail FROM audit WHERE at >= $since ORDER BY id",
            ("$since", Format(since ?? DateTimeOffset.MinValue)));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            SecretScope? scope = reader.IsDBNull(3) ? null : SecretScopeText.Parse(reader.GetString(3));
            var owner = reader.IsDBNull(4) ? null : reader.GetString(4);
            var visible = principal.IsAdmin || (scope is { } s && owner is not null && principal.Has(s, owner, SecretRole.Reader));
            if (visible)
            {
                entries.Add(new AuditEntry(Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), scope, owner,
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }

        return entries;
    }

    /// <inheritdoc />
    async Task<ResolvedSecret?> ISecretValueReader.TryReadAsync(SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, "SELECT version, key_id, wrapped_key, payload FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name",
            ("$scope", scope.ToText()), ("$owner", owner), ("$name", name.Value));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var version = reader.GetInt32(0);
        var value = new EncryptedValue(reader.GetString(1), (byte[])reader[2], (byte[])reader[3]);
        return new ResolvedSecret(scope, owner, name, version, await DecryptAsync(value, scope, owner, name, version, connection, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<ResolvedSecret>> ISecretValueReader.ReadAllAsync(Principal principal, CancellationToken cancellationToken)
    {
        var visible = await ListAsync(principal, new SecretListQuery { IncludeSystem = true }, cancellationToken).ConfigureAwait(false);
        var reader = (ISecretValueReader)this;
        var values = new List<ResolvedSecret>(visible.Count);
        foreach (var item in visible)
        {
            if (await reader.TryReadAsync(item.Scope, item.Owner, item.Name, cancellationToken).ConfigureAwait(false) is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <inheritdoc />
    async Task ISecretValueReader.RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken)
    {
        if (usages.Count == 0)
        {
            return;
        }

        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var now = Format(DateTimeOffset.UtcNow);

        // "Last used" once per secret; one audit row per use, through one prepared statement.
        foreach (var secret in usages.DistinctBy(u => (u.Scope, u.Owner, u.Name)))
        {
            using var update = Command(connection, "UPDATE secrets SET last_used_at = $at WHERE scope = $scope AND owner = $owner AND name = $name",
                ("$at", now), ("$scope", secret.Scope.ToText()), ("$owner", secret.Owner), ("$name", secret.Name.Value));
            update.Transaction = transaction;
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var insert = Command(connection, InsertAudit,
            ("$at", now), ("$actor", string.Empty), ("$action", "use"), ("$scope", string.Empty), ("$owner", string.Empty), ("$name", string.Empty), ("$version", 0), ("$detail", string.Empty));
        insert.Transaction = transaction;
        insert.Prepare();
        foreach (var usage in usages)
        {
            insert.Parameters["$actor"].Value = usage.UserId;
            insert.Parameters["$scope"].Value = usage.Scope.ToText();
            insert.Parameters["$owner"].Value = usage.Owner;
            insert.Parameters["$name"].Value = usage.Name.Value;
            insert.Parameters["$version"].Value = usage.Version;
            insert.Parameters["$detail"].Value = usage.Detail ?? $"run {usage.RunId} node {usage.NodeId}";
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        var current = await CurrentAsync(connection, transaction, write.Scope, write.Owner, write.Name, cancellationToken).ConfigureAwait(false);
        if (current is not null && integration is null)
        {
            RefuseSystem(current, write.Scope, write.Owner, write.Name, "change");
        }

        if (write.ExpectedVersion is { } expected && expected != (current?.Version ?? 0))
        {
            throw Conflict(write, current?.Version ?? 0, expected);
        }

        var metadata = await WriteRowAsync(connection, transaction, principal, write, current, integration, current is null ? "create" : "update", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return metadata;
    }

    private async Task<SecretMetadata> WriteRowAsync(SqliteConnection connection, SqliteTransaction transaction, Principal principal, SecretWrite write, SecretMetadata? current, string? integration, string action, CancellationToken cancellationToken)
    {
        var version = (current?.Version ?? 0) + 1;
        var now = DateTimeOffset.UtcNow;
        var plaintext = Encoding.UTF8.GetBytes(write.Value);
        EncryptedValue encrypted;
        try
        {
            var (keyId, kek) = await ActiveKekAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            encrypted = EnvelopeCipher.Encrypt(plaintext, SecretAssociatedData.For(write.Scope, write.Owner, write.Name, version), keyId, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var sql = current is null
            ? """
              INSERT INTO secrets (scope, owner, name, version, value_length, key_id, wrapped_key, payload, description, created_at, created_by, updated_at, updated_by, is_system, integration)
              VALUES ($scope, $owner, $name, $version, $length, $key, $wrapped, $payload, $description, $now, $user, $now, $user, $system, $integration)
              """
            : """
              UPDATE secrets SET version = $version, value_length = $length, key_id = $key, wrapped_key = $wrapped, payload = $payload,
                  description = COALESCE($description, description), updated_at = $now, updated_by = $user, is_system = $system, integration = $integration
              WHERE scope = $scope AND owner = $owner AND name = $name AND version = $expected
              """;
        using var command = Command(connection, sql,
            ("$scope", write.Scope.ToText()), ("$owner", write.Owner), ("$name", write.Name.Value), ("$version", version),
            ("$length", plaintext.Length), ("$key", encrypted.KeyId), ("$wrapped", encrypted.WrappedDataKey), ("$payload", encrypted.Payload),
            ("$description", (object?)write.Description ?? DBNull.Value), ("$now", Format(now)), ("$user", principal.UserId),
            ("$system", integration is null ? 0 : 1), ("$integration", (object?)integration ?? DBNull.Value), ("$expected", current?.Version ?? 0));
        command.Transaction = transaction;
        int changed;
        try
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            changed = 0;
        }

        if (changed != 1)
        {
            throw Conflict(write, current?.Version ?? 0, current?.Version ?? 0);
        }

        await AuditAsync(connection, transaction, principal.AuditName, action, write.Scope, write.Owner, write.Name.Value, version, integration is null ? null : $"system secret of {integration}", cancellationToken).ConfigureAwait(false);
        return new SecretMetadata
        {
            Scope = write.Scope,
            Owner = write.Owner,
            Name = write.Name,
            Description = write.Description ?? current?.Description,
            Version = version,
            ValueLength = plaintext.Length,
            CreatedAt = current?.CreatedAt ?? now,
            CreatedBy = current?.CreatedBy ?? principal.UserId,
            UpdatedAt = now,
            UpdatedBy = principal.UserId,
            LastUsedAt = current?.LastUsedAt,
            IsSystem = integration is not null,
            Integration = integration,
        };
    }

    private async Task<string> DecryptAsync(EncryptedValue value, SecretScope scope, string owner, SecretName name, int version, SqliteConnection connection, CancellationToken cancellationToken)
    {
        var kek = await KekAsync(value.KeyId, connection, null, cancellationToken).ConfigureAwait(false);
        byte[] plaintext;
        try
        {
            plaintext = EnvelopeCipher.Decrypt(value, SecretAssociatedData.For(scope, owner, name, version), kek);
        }
        catch (CryptographicException)
        {
            throw Integrity(scope, owner, name);
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

    private async Task InitializeKeyRingAsync(CancellationToken cancellationToken)
    {
        using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        if (await ScalarAsync<string?>(connection, "SELECT value FROM meta WHERE key = 'master_key_id'", cancellationToken, transaction).ConfigureAwait(false) is null)
        {
            var kek = RandomNumberGenerator.GetBytes(EnvelopeCipher.KeySize);
            var id = "k1-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            await InsertKeyAsync(connection, transaction, id, kek, cancellationToken).ConfigureAwait(false);
            using var meta = Command(connection, "INSERT INTO meta (key, value) VALUES ('master_key_id', $id)", ("$id", _master.Id));
            meta.Transaction = transaction;
            await meta.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task InsertKeyAsync(SqliteConnection connection, SqliteTransaction transaction, string id, byte[] kek, CancellationToken cancellationToken)
    {
        using (var deactivate = Command(connection, "UPDATE keys SET active = 0"))
        {
            deactivate.Transaction = transaction;
            await deactivate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var wrapped = EnvelopeCipher.Seal(_master.Key, kek, KekAssociatedData(id));
        using var insert = Command(connection, "INSERT INTO keys (id, wrapped, created_at, active) VALUES ($id, $wrapped, $at, 1)", ("$id", id), ("$wrapped", wrapped), ("$at", Format(DateTimeOffset.UtcNow)));
        insert.Transaction = transaction;
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(string Id, byte[] Kek)> ActiveKekAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var id = await ScalarAsync<string?>(connection, "SELECT id FROM keys WHERE active = 1", cancellationToken, transaction).ConfigureAwait(false)
            ?? throw new StoreException("store.key_ring_empty", ErrorKind.Integrity, "the key ring has no active key");
        return (id, await KekAsync(id, connection, transaction, cancellationToken).ConfigureAwait(false));
    }

    private async Task<byte[]> KekAsync(string id, SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        if (_keks.TryGetValue(id, out var cached))
        {
            return cached;
        }

        using var command = Command(connection, "SELECT wrapped FROM keys WHERE id = $id", ("$id", id));
        command.Transaction = transaction;
        var wrapped = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[]
            ?? throw new StoreException("store.key_missing", ErrorKind.Integrity, $"key {id} is missing from the key ring");
        byte[] kek;
        try
        {
            kek = EnvelopeCipher.Open(_master.Key, wrapped, KekAssociatedData(id));
        }
        catch (CryptographicException)
        {
            throw new StoreException("store.key_unwrap_failed", ErrorKind.Integrity, $"key {id} cannot be unwrapped with master key {_master.Id}; the key ring or the master key is wrong");
        }

        lock (_keysLock)
        {
            _keks = new Dictionary<string, byte[]>(_keks, StringComparer.Ordinal) { [id] = kek };
        }

        return kek;
    }

    private static byte[] KekAssociatedData(string id) => Encoding.UTF8.GetBytes("secrets-runtime/kek/v1/" + id);

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA busy_timeout=30000;", cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task<SecretMetadata?> CurrentAsync(SqliteConnection connection, SqliteTransaction transaction, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken)
    {
        using var command = Command(connection, "SELECT * FROM secrets WHERE scope = $scope AND owner = $owner AND name = $name", ("$scope", scope.ToText()), ("$owner", owner), ("$name", name.Value));
        command.Transaction = transaction;
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Metadata(reader) : null;
    }

    private static SecretMetadata Metadata(SqliteDataReader r) => new()
    {
        Scope = SecretScopeText.Parse(r.GetString(r.GetOrdinal("scope"))),
        Owner = r.GetString(r.GetOrdinal("owner")),
        Name = SecretName.Parse(r.GetString(r.GetOrdinal("name"))),
        Version = r.GetInt32(r.GetOrdinal("version")),
        ValueLength = r.GetInt32(r.GetOrdinal("value_length")),
        Description = r.IsDBNull(r.GetOrdinal("description")) ? null : r.GetString(r.GetOrdinal("description")),
        CreatedAt = Parse(r.GetString(r.GetOrdinal("created_at"))),
        CreatedBy = r.GetString(r.GetOrdinal("created_by")),
        UpdatedAt = Parse(r.GetString(r.GetOrdinal("updated_at"))),
        UpdatedBy = r.GetString(r.GetOrdinal("updated_by")),
        LastUsedAt = r.IsDBNull(r.GetOrdinal("last_used_at")) ? null : Parse(r.GetString(r.GetOrdinal("last_used_at"))),
        IsSystem = r.GetInt32(r.GetOrdinal("is_system")) == 1,
        Integration = r.IsDBNull(r.GetOrdinal("integration")) ? null : r.GetString(r.GetOrdinal("integration")),
    };

    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var transaction = connection.BeginTransaction();
        var version = (int)await ScalarAsync<long>(connection, "PRAGMA user_version", cancellationToken, transaction).ConfigureAwait(false);
        if (version > Migrations.Length)
        {
            throw new StoreException("store.schema_newer", ErrorKind.Refused, string.Create(CultureInfo.InvariantCulture, $"the store's schema is version {version}, newer than this program knows ({Migrations.Length}); upgrade secrets-runtime"));
        }

        for (var v = version; v < Migrations.Length; v++)
        {
            using var command = Command(connection, Migrations[v] + string.Create(CultureInfo.InvariantCulture, $"; PRAGMA user_version = {v + 1};"));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private const string InsertAudit = "INSERT INTO audit (at, actor, action, scope, owner, name, version, detail) VALUES ($at, $actor, $action, $scope, $owner, $name, $version, $detail)";

    private static async Task AuditAsync(SqliteConnection connection, SqliteTransaction transaction, string actor, string action, SecretScope? scope, string? owner, string? name, int? version, string? detail, CancellationToken cancellationToken)
    {
        using var command = Command(connection, InsertAudit,
            ("$at", Format(DateTimeOffset.UtcNow)), ("$actor", actor), ("$action", action), ("$scope", (object?)scope?.ToText() ?? DBNull.Value),
            ("$owner", (object?)owner ?? DBNull.Value), ("$name", (object?)name ?? DBNull.Value), ("$version", (object?)version ?? DBNull.Value), ("$detail", (object?)detail ?? DBNull.Value));
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; every value goes through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = Command(connection, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        using var command = Command(connection, sql);
        command.Transaction = transaction;
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is null or DBNull ? default! : (T)result;
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

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

    private static void RefuseSystem(SecretMetadata current, SecretScope scope, string owner, SecretName name, string what)
    {
        if (current.IsSystem)
        {
            throw new StoreException("store.system_managed", ErrorKind.Refused,
                $"{scope.ToText()}/{owner}/{name.Value} is managed by the integration '{current.Integration}'; {what} it there, not by hand");
        }
    }

    private static StoreException NotFound(SecretScope scope, string owner, SecretName name) =>
        new("store.not_found", ErrorKind.NotFound, $"no secret {name.Value} in {scope.ToText()} '{owner}'");

    private static StoreException Integrity(SecretScope scope, string owner, SecretName name) =>
        new("store.integrity", ErrorKind.Integrity, $"secret {name.Value} in {scope.ToText()} '{owner}' failed its integrity check: the stored ciphertext was altered or moved from another row");

    private static StoreException Conflict(SecretWrite write, int actual, int expected) =>
        new("store.conflict", ErrorKind.Conflict, string.Create(CultureInfo.InvariantCulture,
            $"{write.Name.Value} in {write.Scope.ToText()} '{write.Owner}' changed concurrently (version is {actual}, expected {expected}); read it again and retry"));
}
