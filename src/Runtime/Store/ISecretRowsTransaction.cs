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

    /// <summary>Adds a version to a secret's history, with its sealed value.</summary>
    Task InsertVersionAsync(Versions.SecretVersionRow row, CancellationToken cancellationToken);

    /// <summary>One version of a secret with its sealed value, or null.</summary>
    Task<Versions.SecretVersionRow?> VersionAsync(SecretKey key, int version, CancellationToken cancellationToken);

    /// <summary>Every version of every secret with its envelope (for re-wrapping).</summary>
    Task<IReadOnlyList<Versions.SecretVersionRow>> AllVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Replaces a version's wrapped data key (key rotation).</summary>
    Task RewrapVersionAsync(SecretKey key, int version, string keyId, byte[] wrappedDataKey, CancellationToken cancellationToken);

    /// <summary>Changes the description of a row (locked by <see cref="CurrentAsync"/>) without a new value version.</summary>
    Task DescribeAsync(SecretKey key, string? description, DateTimeOffset at, string by, long change, CancellationToken cancellationToken);

    /// <summary>The explicit members of a secret.</summary>
    Task<IReadOnlyList<Access.SecretMemberRow>> MembersAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>Adds a member or changes its role.</summary>
    Task PutMemberAsync(Access.SecretMemberRow member, CancellationToken cancellationToken);

    /// <summary>Removes a member; false when the user was not one.</summary>
    Task<bool> DeleteMemberAsync(SecretKey key, string userId, CancellationToken cancellationToken);

    /// <summary>Deletes a row, every version of its value and its members.</summary>
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
