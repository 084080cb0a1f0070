namespace Secrets.Runtime.Store;

/// <summary>One write transaction of a backend. Disposing it without <see cref="CommitAsync"/> rolls everything back.</summary>
internal interface ISecretRowsTransaction : IKeyRows, IAsyncDisposable
{
    /// <summary>The id of the master key the store was created with, or null for a new store.</summary>
    Task<string?> MasterKeyIdAsync(CancellationToken cancellationToken);

    /// <summary>Records the master key id of a new store.</summary>
    Task SetMasterKeyIdAsync(string id, CancellationToken cancellationToken);

    /// <summary>The active key-encryption key's id, or null when the ring is empty.</summary>
    Task<string?> ActiveKeyIdAsync(CancellationToken cancellationToken);

    /// <summary>How many keys the ring holds.</summary>
    Task<long> KeyCountAsync(CancellationToken cancellationToken);

    /// <summary>Adds a wrapped key and makes it the only active one.</summary>
    Task InsertKeyAsync(string id, byte[] wrapped, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The current metadata of a row, locked against concurrent writers until the transaction ends; null when absent.</summary>
    Task<SecretMetadata?> CurrentAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>Inserts (expected version 0) or updates the row; false when the row's version is no longer <paramref name="expectedVersion"/>.</summary>
    Task<bool> WriteAsync(SecretRow row, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes a row.</summary>
    Task DeleteAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>Every row with its envelope (for re-wrapping).</summary>
    Task<IReadOnlyList<StoredSecret>> AllAsync(CancellationToken cancellationToken);

    /// <summary>Replaces a row's wrapped data key (key rotation); the value is untouched.</summary>
    Task RewrapAsync(SecretKey key, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken);

    /// <summary>Appends an audit row.</summary>
    Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the next change number for a change of <paramref name="key"/> (every row when null) and records it; change
    /// numbers are handed out in commit order. Other hosts learn of it after commit; never a value.
    /// </summary>
    Task<long> ChangeAsync(SecretKey? key, CancellationToken cancellationToken);

    /// <summary>Commits.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
