using System.Diagnostics.CodeAnalysis;

namespace Secrets.Runtime.Store.Access;

/// <summary>The outcome of <see cref="AccessStore.AuthenticateAsync"/>: a principal, or why there is none.</summary>
public sealed record AuthenticationResult
{
    private AuthenticationResult(Principal? principal, AuthenticationFailure? failure)
    {
        Principal = principal;
        Failure = failure;
    }

    /// <summary>The authenticated principal (the token's user, grants and scopes), or null.</summary>
    public Principal? Principal { get; }

    /// <summary>Why authentication failed, or null when it succeeded.</summary>
    public AuthenticationFailure? Failure { get; }

    /// <summary>Whether a principal was authenticated.</summary>
    [MemberNotNullWhen(true, nameof(Principal))]
    public bool Succeeded => Principal is not null;

    internal static AuthenticationResult Success(Principal principal) => new(principal, null);

    internal static AuthenticationResult Failed(AuthenticationFailure failure) => new(null, failure);
}
