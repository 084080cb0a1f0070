namespace Secrets.Runtime.Store.Listing;

/// <summary>A page of secrets' metadata in (scope, owner, name) order, and the cursor of the next page.</summary>
/// <param name="Items">The secrets, each with <see cref="SecretMetadata.MyRole"/> set.</param>
/// <param name="NextCursor">Pass as <see cref="SecretPageQuery.Cursor"/> for the next page; null on the last page.</param>
public sealed record SecretPage(IReadOnlyList<SecretMetadata> Items, string? NextCursor)
{
    /// <summary>
    /// When every row of this page came from a remembered read (<see cref="ISecretRows.IsRemembered"/>: rows handed
    /// out before and kept unchanged), the row each item was made from, item by item; else null. A host may keep what
    /// it works out from a row instance alone (its JSON for a given role) with that instance; rows read for one call
    /// only are not worth keeping anything for.
    /// </summary>
    internal IReadOnlyList<SecretMetadata>? Rows { get; init; }
}
