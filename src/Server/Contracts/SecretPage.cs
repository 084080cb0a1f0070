namespace Secrets.Runtime.Server.Contracts;

/// <summary>One page of <c>GET /api/v1/secrets</c>.</summary>
/// <param name="Data">The secrets of this page, ordered by scope, owner and name.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record SecretPage(IReadOnlyList<SecretMeta> Data, string? NextCursor);
