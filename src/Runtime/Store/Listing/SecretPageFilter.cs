namespace Secrets.Runtime.Store.Listing;

/// <summary>What a backend selects for one batch of a page: filters, the key to start after, and how many rows.</summary>
internal sealed record SecretPageFilter(SecretScope? Scope, string? Owner, string? Search, bool IncludeSystem, SecretKey? After, int Limit);
