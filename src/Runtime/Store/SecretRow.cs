using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Store;

/// <summary>What a backend writes for one version of a secret; <see cref="SecretStore"/> has already sealed the value.</summary>
internal sealed record SecretRow(SecretMetadata Metadata, EncryptedValue Value);
