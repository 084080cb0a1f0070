using System.Security.Cryptography;
using System.Text;

namespace Secrets.Runtime.Store.Crypto;

/// <summary>The 32-byte root key that wraps the key ring's KEKs; <see cref="Id"/> names it in errors without revealing it.</summary>
/// <remarks>
/// The id is a hash, computed on first use: a command that never unwraps a key (listing metadata) never loads the
/// cryptography library.
/// </remarks>
internal sealed class MasterKey : IDisposable
{
    private string? _id;

    /// <param name="key">The 32 bytes.</param>
    /// <param name="source">Where the key came from (the environment variable or the key file), for errors.</param>
    public MasterKey(byte[] key, string source)
    {
        Key = key;
        Source = source;
    }

    public byte[] Key { get; }

    /// <summary>Where the key came from: <c>SECRETS_RUNTIME_MASTER_KEY</c> or the key file's path.</summary>
    public string Source { get; }

    public string Id => _id ??= "mk-" + Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes("secrets-runtime/master-key-id"), .. Key]))[..12];

    public void Dispose() => CryptographicOperations.ZeroMemory(Key);
}
