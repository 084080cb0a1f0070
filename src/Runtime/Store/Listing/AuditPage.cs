namespace Secrets.Runtime.Store.Listing;

/// <summary>A page of audit entries, oldest first, and the cursor of the next page.</summary>
/// <param name="Entries">The entries the principal may see.</param>
/// <param name="NextCursor">Pass as <see cref="AuditQuery.Cursor"/> for the next page; null when no more entries exist now.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? NextCursor);
