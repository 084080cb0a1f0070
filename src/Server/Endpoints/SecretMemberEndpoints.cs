using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary>
/// <c>.../members</c> and <c>.../members/{user}</c> (PUT a role, DELETE): scope admins are implicit admins and cannot
/// be removed, the last explicit admin cannot be removed, personal secrets cannot be shared (all refused by the store).
/// </summary>
internal static class SecretMemberEndpoints
{
    public static void Map(RouteGroupBuilder secret, SecretAddress address)
    {
        secret.MapGet("/members", (HttpContext context, SecretStore store, string owner, string name, CancellationToken ct) => ListAsync(context, store, address, owner, name, ct))
            .WithName("list" + address.Noun + "SecretMembers").WithSummary("Who may use and manage the secret: implicit scope admins first, then explicit members.")
            .RequireAuthorization(ApiScopes.SecretsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        secret.MapPut("/members/{user}", (HttpContext context, SecretStore store, string owner, string name, string user, CancellationToken ct) => PutAsync(context, store, address, owner, name, user, ct))
            .WithName("put" + address.Noun + "SecretMember").WithSummary("Gives a user the admin or member role on the secret (secret admins only).")
            .RequireAuthorization(ApiScopes.SecretsAdmin).Accepts<PutMemberRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        secret.MapDelete("/members/{user}", (HttpContext context, SecretStore store, string owner, string name, string user, CancellationToken ct) => DeleteAsync(context, store, address, owner, name, user, ct))
            .WithName("delete" + address.Noun + "SecretMember").WithSummary("Removes an explicit member (never an implicit admin, never the last explicit admin).")
            .RequireAuthorization(ApiScopes.SecretsAdmin).Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<IReadOnlyList<SecretMemberInfo>>> ListAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var members = await store.MembersAsync(Callers.PrincipalOf(context), address.Scope, owner, SecretAddress.Name(name), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<SecretMemberInfo>>(members.Select(ToInfo).ToList());
    }

    private static async Task<Ok<SecretMemberInfo>> PutAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, string user, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<PutMemberRequest>(context, 4 * 1024, cancellationToken).ConfigureAwait(false);
        var role = body.Role switch
        {
            "admin" => SecretMemberRole.Admin,
            "member" => SecretMemberRole.Member,
            _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, StoreErrors.MemberRoleUnknownCode, "role is admin or member", [new ApiError("admin or member", "$.role")]),
        };
        var member = await store.PutMemberAsync(Callers.PrincipalOf(context), address.Scope, owner, SecretAddress.Name(name), user, role, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToInfo(member));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, string user, CancellationToken cancellationToken)
    {
        await store.RemoveMemberAsync(Callers.PrincipalOf(context), address.Scope, owner, SecretAddress.Name(name), user, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static SecretMemberInfo ToInfo(Store.Access.SecretMember member) =>
        new(member.UserId, SecretMetaMapper.RoleText(member.Role), member.Implicit, member.AddedAt, member.AddedBy);
}
