using System.Collections.Concurrent;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Tokens for tests: each one a user, grants and scopes; bootstrap hands out one admin token the first time only.</summary>
public sealed class TestTokens : ITokenAuthenticator
{
    private readonly ConcurrentDictionary<string, ApiCaller> _tokens = new(StringComparer.Ordinal);
    private int _bootstrapped;

    public string Add(string user, IReadOnlyList<RoleGrant> grants, params string[] scopes)
    {
        var token = "srt_test_" + Guid.NewGuid().ToString("N");
        _tokens[token] = new ApiCaller(new Principal(user, grants), scopes.Length == 0 ? ApiScopes.All : scopes, token[..12]);
        return token;
    }

    public Task<TokenAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken) =>
        Task.FromResult(_tokens.TryGetValue(token, out var caller) ? TokenAuthentication.Success(caller) : TokenAuthentication.Failure("auth.token_unknown"));

    public Task<string?> BootstrapAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Interlocked.Exchange(ref _bootstrapped, 1) == 0
            ? Add("admin", [new RoleGrant(SecretScope.Organization, "*", SecretRole.Admin), new RoleGrant(SecretScope.Project, "*", SecretRole.Admin)])
            : null);
}
