using System.Security.Cryptography;
using System.Text;

namespace Secrets.Runtime.Store;

/// <summary>The 32-byte root key that wraps the key ring's KEKs; <see cref="Id"/> names it in errors without revealing it.</summary>
internal sealed class MasterKey : IDisposable
{
    public MasterKey(byte[] key)
    {
        Key = key;
        Id = "mk-" + Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes("secrets-runtime/master-key-id"), .. key]))[..12];
    }

    public byte[] Key { get; }

    public string Id { get; }

    public void Dispose() => CryptographicOperations.ZeroMemory(Key);
}
