namespace Secrets.Runtime.Store;

/// <summary>Where the key ring's wrapped keys are read from: the store's rows, or an open transaction.</summary>
internal interface IKeyRows
{
    /// <summary>The wrapped key-encryption key with that id, or null when the ring has none.</summary>
    Task<byte[]?> WrappedKeyAsync(string id, CancellationToken cancellationToken);
}
