using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>Who an authenticated request comes from: the token's user (with their grants) and the token's scopes.</summary>
/// <param name="Principal">The user and their role grants; every store call of the request is made as this principal.</param>
/// <param name="Scopes">The token's scopes (<see cref="ApiScopes"/>).</param>
/// <param name="TokenId">The token's id (never the token), for logs.</param>
public sealed record ApiCaller(Principal Principal, IReadOnlyList<string> Scopes, string TokenId);
