namespace Secrets.Runtime.Server.Contracts;

/// <summary>One page of <c>GET /api/v1/runs</c>, newest first.</summary>
/// <param name="Data">The runs.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record RunPage(IReadOnlyList<RunSummary> Data, string? NextCursor);
