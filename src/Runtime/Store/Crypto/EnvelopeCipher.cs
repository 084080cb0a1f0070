using System.Security.Cryptography;

namespace Secrets.Runtime.Store.Crypto;

/// <summary>
/// AES-256-GCM envelope encryption: each value version gets a fresh random data key and nonce; the data key is
/// wrapped by a key-encryption key (KEK) under the same associated data. Layout of each blob: nonce | ciphertext | tag.
/// </summary>
internal static class EnvelopeCipher
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static EncryptedValue Encrypt(ReadOnlySpan<byte> plaintext, byte[] associatedData, string keyId, ReadOnlySpan<byte> kek)
    {
        var dataKey = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            return new EncryptedValue(keyId, Seal(kek, dataKey, associatedData), Seal(dataKey, plaintext, associatedData));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Decrypts a value; the caller zeroes the returned buffer after use.</summary>
    /// <exception cref="CryptographicException">Wrong key, tampered blob, or a blob moved from another row.</exception>
    public static byte[] Decrypt(EncryptedValue value, byte[] associatedData, ReadOnlySpan<byte> kek)
    {
        var dataKey = Open(kek, value.WrappedDataKey, associatedData);
        try
        {
            return Open(dataKey, value.Payload, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Re-wraps a data key under another KEK without touching the value.</summary>
    public static byte[] Rewrap(byte[] wrappedDataKey, byte[] associatedData, ReadOnlySpan<byte> oldKek, ReadOnlySpan<byte> newKek)
    {
        var dataKey = Open(oldKek, wrappedDataKey, associatedData);
        try
        {
            return Seal(newKek, dataKey, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var blob = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), associatedData);
        return blob;
    }

    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> associatedData)
    {
        if (blob.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("blob too short");
        }

        var plaintext = new byte[blob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(blob[..NonceSize], blob.Slice(NonceSize, plaintext.Length), blob[^TagSize..], plaintext, associatedData);
        return plaintext;
    }
}
