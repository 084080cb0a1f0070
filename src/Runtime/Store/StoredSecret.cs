using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store;

/// <summary>A row as stored: where it lives, its version and its envelope. Never a value in clear.</summary>
internal sealed record StoredSecret(SecretKey Key, int Version, EncryptedValue Value);
