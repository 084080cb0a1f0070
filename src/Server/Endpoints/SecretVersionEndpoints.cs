using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Versions;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>.../versions</c> (history, never a value) and <c>POST .../versions/{n}/restore</c> (a new version with that version's value).</summary>
internal static class SecretVersionEndpoints
{
    public static void Map(RouteGroupBuilder secret, SecretAddress address)
    {
        secret.MapGet("/versions", (HttpContext context, SecretStore store, string owner, string name, CancellationToken ct) => ListAsync(context, store, address, owner, name, ct))
            .WithName("list" + address.Noun + "SecretVersions").WithSummary("The secret's versions: number, when, by whom, source; never a value.")
            .RequireAuthorization(ApiScopes.SecretsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        secret.MapPost("/versions/{version:int}/restore", (HttpContext context, SecretStore store, string owner, string name, int version, CancellationToken ct) => RestoreAsync(context, store, address, owner, name, version, ct))
            .WithName("restore" + address.Noun + "SecretVersion").WithSummary("Writes a new version with the value of version {version}; honours If-Match.")
            .RequireAuthorization(ApiScopes.SecretsWrite).Produces<SecretMeta>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    private static async Task<Ok<IReadOnlyList<SecretVersionInfo>>> ListAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var versions = await store.VersionsAsync(Callers.PrincipalOf(context), address.Scope, owner, SecretAddress.Name(name), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<SecretVersionInfo>>(versions
            .Select(v => new SecretVersionInfo(v.Version, v.CreatedAt, v.CreatedBy, v.Source.ToText(), v.ValueLength, v.RestoredFrom)).ToList());
    }

    private static async Task<Ok<SecretMeta>> RestoreAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, int version, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var ifMatch = await SecretEndpoints.IfMatchAsync(context, store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
        var written = await store.RestoreAsync(principal, address.Scope, owner, secretName, version, ifMatch, cancellationToken).ConfigureAwait(false);
        return await SecretEndpoints.AnswerAsync(context, store, principal, address, owner, secretName, written, cancellationToken).ConfigureAwait(false);
    }
}
