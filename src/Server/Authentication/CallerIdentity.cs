using System.Security.Claims;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>The claims of an authenticated caller, the same whichever way it authenticated (bearer token or console session).</summary>
internal static class CallerIdentity
{
    /// <summary>The claim type of each token scope.</summary>
    public const string ScopeClaim = "scope";

    /// <summary>A principal carrying the caller's user id, token id and scopes.</summary>
    public static ClaimsPrincipal Create(ApiCaller caller, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, caller.Principal.UserId), new("token_id", caller.TokenId) };
        claims.AddRange(caller.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
