namespace Secrets.Runtime.Store;

/// <summary>A decrypted value with where it came from. Internal: only the injection path holds one.</summary>
internal sealed record ResolvedSecret(SecretScope Scope, string Owner, SecretName Name, int Version, string Value);
