using Microsoft.Extensions.DependencyInjection;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>Bearer tokens checked against the store's users, grants and hashed tokens (<see cref="AccessStore"/>).</summary>
internal sealed class StoreTokenAuthenticator(IServiceProvider services) : ITokenAuthenticator
{
    // Resolved on use: the store opens when the host starts, after this is built.
    private AccessStore Access => (services.GetRequiredService<ISecretStore>() as SecretStore)?.Access
        ?? throw new InvalidOperationException("this store keeps no users or tokens: serve needs a SecretStore");

    public async Task<TokenAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var result = await Access.AuthenticateAsync(token, cancellationToken).ConfigureAwait(false);
        if (result.Principal is { } principal)
        {
            return TokenAuthentication.Success(new ApiCaller(principal, [.. principal.Scopes ?? new HashSet<string>()], principal.TokenId ?? string.Empty));
        }

        return TokenAuthentication.Failure(result.Failure switch
        {
            AuthenticationFailure.Expired => Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenExpiredCode,
            AuthenticationFailure.Revoked => Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenRevokedCode,
            _ => Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenUnknownCode,
        });
    }

    public async Task<string?> BootstrapAsync(CancellationToken cancellationToken) =>
        (await Access.BootstrapAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Token.Bearer;
}
