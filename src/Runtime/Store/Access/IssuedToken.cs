namespace Secrets.Runtime.Store.Access;

/// <summary>A token just created: its metadata and, this once, the bearer text. The store keeps only a hash of it.</summary>
public sealed class IssuedToken
{
    internal IssuedToken(AccessToken info, string bearer)
    {
        Info = info;
        Bearer = bearer;
    }

    /// <summary>What the store keeps about the token.</summary>
    public AccessToken Info { get; }

    /// <summary>The token text to send as <c>Authorization: Bearer …</c>. Shown once; it cannot be read back later.</summary>
    public string Bearer { get; }

    /// <summary>The token's prefix and name, never the bearer text.</summary>
    public override string ToString() => $"{Info.Prefix} ({Info.Name})";
}
