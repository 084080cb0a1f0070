using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store.Versions;

/// <summary>A version as a backend stores it: its history entry and its sealed value (kept for restore, deleted with the secret).</summary>
internal sealed record SecretVersionRow(SecretKey Key, SecretVersion Version, EncryptedValue Value);
