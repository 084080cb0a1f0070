namespace Secrets.Runtime.Store.Listing;

/// <summary>
/// What a backend selects for one batch of a page: filters, the key to start after, how many rows, and whether each
/// row brings its explicit members (<see cref="SecretMetadata.Members"/>, read in the same query).
/// </summary>
internal sealed record SecretPageFilter(SecretScope? Scope, string? Owner, string? Search, bool IncludeSystem, SecretKey? After, int Limit, bool IncludeMembers = false);
