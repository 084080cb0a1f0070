namespace Secrets.Runtime.Server.Contracts;

/// <summary>One page of <c>GET /api/v1/audit</c>, oldest first.</summary>
/// <param name="Data">The entries.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Data, string? NextCursor);
