namespace Secrets.Runtime.Server.Contracts;

/// <summary>The result of <c>POST /api/v1/keys/rotate</c>.</summary>
/// <param name="KeyId">The id of the new active key-encryption key.</param>
public sealed record KeyRotation(string KeyId);
