namespace Secrets.Runtime.Store;

/// <summary>Everything the store shows about a secret instead of its value.</summary>
public sealed record SecretMetadata
{
    /// <summary>The scope.</summary>
    public required SecretScope Scope { get; init; }

    /// <summary>The organization, project or user that owns it.</summary>
    public required string Owner { get; init; }

    /// <summary>The name.</summary>
    public required SecretName Name { get; init; }

    /// <summary>Optional description (at most 500 characters).</summary>
    public string? Description { get; init; }

    /// <summary>Incremented on every value change, starting at 1.</summary>
    public required int Version { get; init; }

    /// <summary>The value's length in UTF-8 bytes.</summary>
    public required int ValueLength { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who last changed it.</summary>
    public required string UpdatedBy { get; init; }

    /// <summary>When a run last used it, or null.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>True for system-managed secrets (created by an integration).</summary>
    public bool IsSystem { get; init; }

    /// <summary>The integration that owns a system-managed secret.</summary>
    public string? Integration { get; init; }

    /// <summary>
    /// The store-wide change number of the write that made this version; change numbers grow in commit order. A run
    /// started with <c>RunRequest.MinimumChange</c> at least this number never uses an older version, on any host.
    /// </summary>
    public long Change { get; init; }

    /// <summary>
    /// The entity tag of this state of the secret, from its version and change number: a new value or a new
    /// description gives a new one. A strong, quoted HTTP ETag such as <c>"3.17"</c>; pass it back as
    /// <see cref="SecretWrite.IfMatch"/> to write only if nobody changed the secret in between.
    /// </summary>
    public string ETag => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"{Version}.{Change}\"");

    /// <summary>The role of the principal who read this metadata on the secret (admin or member), or null where not computed.</summary>
    public Access.SecretMemberRole? MyRole { get; init; }

    /// <summary>
    /// The secret's explicit members, without the admins of its scope (they are implicit admins), ordered by user: set
    /// on the items of a page read with <see cref="Listing.SecretPageQuery.IncludeMembers"/> (empty for a personal
    /// secret, which is never shared), null where not read.
    /// </summary>
    public IReadOnlyList<Access.SecretMember>? Members { get; init; }
}
