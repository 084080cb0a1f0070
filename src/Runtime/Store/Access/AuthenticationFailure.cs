namespace Secrets.Runtime.Store.Access;

/// <summary>Why a bearer token did not authenticate.</summary>
public enum AuthenticationFailure
{
    /// <summary>Malformed, or no token has this id and text.</summary>
    Unknown,

    /// <summary>The token is past its expiry.</summary>
    Expired,

    /// <summary>The token was revoked.</summary>
    Revoked,
}
