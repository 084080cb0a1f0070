namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>PUT .../secrets/{NAME}</c>.</summary>
public sealed record PutSecretRequest
{
    /// <summary>The value: 1 byte to 64 KiB of UTF-8. Never returned, never logged.</summary>
    public required string Value { get; init; }

    /// <summary>A new description, or null to keep the current one.</summary>
    public string? Description { get; init; }
}
