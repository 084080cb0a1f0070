namespace Secrets.Runtime.Store.Access;

/// <summary>What the store shows about a token: never the token itself, which is shown once when it is created.</summary>
public sealed record AccessToken
{
    /// <summary>The token's id (16 hex digits), also part of the token text; used to list and revoke it.</summary>
    public required string Id { get; init; }

    /// <summary>The start of the token text (<c>srt_</c> and the id), enough to recognise a token, never enough to use it.</summary>
    public string Prefix => AccessStore.TokenPrefix + Id;

    /// <summary>The name given when it was created.</summary>
    public required string Name { get; init; }

    /// <summary>The user it acts as.</summary>
    public required string UserId { get; init; }

    /// <summary>Its scopes (see <see cref="TokenScopes"/>).</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it stops working, or null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was revoked, or null.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When it last authenticated a request (recorded at most once a minute), or null.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
}
