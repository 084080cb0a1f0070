namespace Secrets.Runtime.Server.Authentication;

/// <summary>The outcome of checking a bearer token: a caller, or why not (a stable code, never the token).</summary>
/// <param name="Caller">The caller when the token is valid, else null.</param>
/// <param name="FailureCode">Why the token was refused (<c>auth.token_unknown</c>, <c>auth.token_expired</c>, <c>auth.token_revoked</c>), else null.</param>
public sealed record TokenAuthentication(ApiCaller? Caller, string? FailureCode)
{
    /// <summary>A valid token.</summary>
    public static TokenAuthentication Success(ApiCaller caller) => new(caller, null);

    /// <summary>A refused token.</summary>
    public static TokenAuthentication Failure(string code) => new(null, code);
}
