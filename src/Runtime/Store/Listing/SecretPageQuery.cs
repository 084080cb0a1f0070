namespace Secrets.Runtime.Store.Listing;

/// <summary>One page of <see cref="SecretStore.ListPageAsync"/>: filters, a page size and the cursor of the previous page.</summary>
public sealed record SecretPageQuery
{
    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest page size.</summary>
    public const int MaxLimit = 200;

    /// <summary>Only this scope, or every scope.</summary>
    public SecretScope? Scope { get; init; }

    /// <summary>Only this owner (with <see cref="Scope"/> Project: one project), or every owner the principal may see.</summary>
    public string? Owner { get; init; }

    /// <summary>Only secrets whose name or description contains this text, case-insensitively (ASCII letters), or all.</summary>
    public string? Search { get; init; }

    /// <summary>At most this many secrets (1 to <see cref="MaxLimit"/>; default <see cref="DefaultLimit"/>).</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The <see cref="SecretPage.NextCursor"/> of the previous page, or null for the first page.</summary>
    public string? Cursor { get; init; }

    /// <summary>Include system-managed secrets (hidden by default).</summary>
    public bool IncludeSystem { get; init; }

    /// <summary>
    /// Read each item's explicit members too (<see cref="SecretMetadata.Members"/>): one more query for the whole
    /// page, whatever its size.
    /// </summary>
    public bool IncludeMembers { get; init; }
}
