namespace Secrets.Runtime.Store;

/// <summary>A request to create a secret or change its value.</summary>
public sealed record SecretWrite
{
    /// <summary>The largest value accepted: 64 KiB of UTF-8.</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>The longest description accepted.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>The scope.</summary>
    public required SecretScope Scope { get; init; }

    /// <summary>The organization, project or user that owns it.</summary>
    public required string Owner { get; init; }

    /// <summary>The name.</summary>
    public required SecretName Name { get; init; }

    /// <summary>The value: 1 byte to 64 KiB of UTF-8; multi-line allowed. Never logged, never returned.</summary>
    public required string Value { get; init; }

    /// <summary>A new description, or null to keep the current one.</summary>
    public string? Description { get; init; }

    /// <summary>When set, the write succeeds only if the current version is this (0: only if it does not exist yet).</summary>
    public int? ExpectedVersion { get; init; }

    /// <summary>
    /// HTTP <c>If-Match</c>: when set, the write succeeds only if the secret exists and its <see cref="SecretMetadata.ETag"/>
    /// is this; otherwise <c>store.precondition_failed</c>.
    /// </summary>
    public string? IfMatch { get; init; }

    /// <summary>HTTP <c>If-None-Match: *</c>: the write only creates; when the secret exists it fails with <c>store.already_exists</c>.</summary>
    public bool CreateOnly { get; init; }
}
