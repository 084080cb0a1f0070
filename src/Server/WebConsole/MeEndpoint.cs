using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary><c>GET /api/v1/me</c> (scope <c>secrets:read</c>, as the console needs anyway): who the caller is, the token's scopes, and the organizations and projects it can see (for pickers).</summary>
internal static class MeEndpoint
{
    /// <summary>The organization a store has when nothing else was named.</summary>
    public const string DefaultOrganization = "default";

    /// <summary>Maps the endpoint on the API group.</summary>
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/me", GetAsync)
            .RequireAuthorization(Store.Access.TokenScopes.SecretsRead)
            .WithSummary("The caller: user, token scopes, and the organizations and projects it can see")
            .Produces<Me>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> GetAsync(HttpContext context, ISecretStore store)
    {
        var caller = context.Features.Get<ApiCaller>()!;
        var principal = caller.Principal;
        var organizations = Owners(principal, SecretScope.Organization);
        var projects = Owners(principal, SecretScope.Project);
        var seen = await store.ListAsync(principal, new SecretListQuery { IncludeSystem = true }, context.RequestAborted).ConfigureAwait(false);
        organizations.UnionWith(seen.Where(s => s.Scope == SecretScope.Organization).Select(s => s.Owner));
        projects.UnionWith(seen.Where(s => s.Scope == SecretScope.Project).Select(s => s.Owner));
        if (organizations.Count == 0)
        {
            organizations.Add(DefaultOrganization);
        }

        var organization = organizations.Contains(DefaultOrganization) ? DefaultOrganization : organizations.Min(StringComparer.Ordinal)!;
        return TypedResults.Ok(new Me(principal.UserId, organization, [.. organizations.Order(StringComparer.Ordinal)], [.. projects.Order(StringComparer.Ordinal)], caller.Scopes));
    }

    private static SortedSet<string> Owners(Principal principal, SecretScope scope) =>
        new(principal.Grants.Where(g => g.Scope == scope && g.Owner != "*").Select(g => g.Owner), StringComparer.Ordinal);

    /// <summary>The caller.</summary>
    /// <param name="User">The user id.</param>
    /// <param name="Organization">The organization the console shows first.</param>
    /// <param name="Organizations">Organizations the caller holds a role in or can see secrets of.</param>
    /// <param name="Projects">Projects the caller holds a role in or can see secrets of.</param>
    /// <param name="Scopes">The token's scopes.</param>
    internal sealed record Me(string User, string Organization, IReadOnlyList<string> Organizations, IReadOnlyList<string> Projects, IReadOnlyList<string> Scopes);
}
