namespace Secrets.Runtime.Store.Access;

/// <summary>A request to create a token.</summary>
public sealed record TokenRequest
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxNameLength = 100;

    /// <summary>A name to recognise it by in listings (1 to 100 characters).</summary>
    public required string Name { get; init; }

    /// <summary>The user the token acts as.</summary>
    public required string UserId { get; init; }

    /// <summary>Its scopes; empty gives <see cref="TokenScopes.Default"/>.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>When it stops working (must be in the future), or null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
