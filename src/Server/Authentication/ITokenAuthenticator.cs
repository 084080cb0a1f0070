namespace Secrets.Runtime.Server.Authentication;

/// <summary>Turns a bearer token into a caller, and creates the first admin token of an empty store.</summary>
public interface ITokenAuthenticator
{
    /// <summary>Checks <paramref name="token"/> (as sent, without <c>Bearer </c>).</summary>
    Task<TokenAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken);

    /// <summary>On a store with no users, creates an admin user and one admin token and returns the token (shown once); otherwise null.</summary>
    Task<string?> BootstrapAsync(CancellationToken cancellationToken);
}
