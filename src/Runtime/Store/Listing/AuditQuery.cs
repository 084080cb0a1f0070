namespace Secrets.Runtime.Store.Listing;

/// <summary>One page of <see cref="SecretStore.AuditPageAsync"/>: oldest first, from a time, of one action.</summary>
public sealed record AuditQuery
{
    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The largest page size.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Only entries at or after this time, or all.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only this action (create, update, delete, describe, restore, member, import, rotate, use, grant, token_create, …), or all.</summary>
    public string? Action { get; init; }

    /// <summary>At most this many entries (1 to <see cref="MaxLimit"/>; default <see cref="DefaultLimit"/>).</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The <see cref="AuditPage.NextCursor"/> of the previous page, or null for the first page.</summary>
    public string? Cursor { get; init; }
}
