using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>POST /api/v1/keys/rotate</c>: a new key-encryption key; data keys are re-wrapped, values untouched.</summary>
internal static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/keys/rotate", RotateAsync)
            .WithName("rotateKey").WithTags("keys").WithSummary("Rotates the key-encryption key (admin).")
            .RequireAuthorization(ApiScopes.SecretsAdmin)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<Ok<KeyRotation>> RotateAsync(HttpContext context, ISecretStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new KeyRotation(await store.RotateKeyAsync(Callers.PrincipalOf(context), cancellationToken).ConfigureAwait(false)));
}
