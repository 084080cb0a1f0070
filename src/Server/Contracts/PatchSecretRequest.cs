namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>PATCH .../secrets/{NAME}</c>: metadata only, no new value version.</summary>
public sealed record PatchSecretRequest
{
    /// <summary>The new description (empty or null clears it).</summary>
    public string? Description { get; init; }
}
