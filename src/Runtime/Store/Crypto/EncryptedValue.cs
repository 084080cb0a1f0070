
namespace Secrets.Runtime.Store.Crypto;

/// <summary>A value at rest: the id of the key-encryption key, the wrapped data key, and the encrypted value (each nonce|ciphertext|tag).</summary>
internal sealed record EncryptedValue(string KeyId, byte[] WrappedDataKey, byte[] Payload);
