using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Server.Runs;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>GET /api/v1/workers</c> (admin): the live workers, as <c>secrets-runtime workers</c> lists them.</summary>
internal static class WorkerEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/workers", ListAsync)
            .WithName("listWorkers").WithTags("runs").WithSummary("Live workers (heartbeat within their lease), their concurrency, queues and current runs (admin); empty on the embedded SQLite store.")
            .RequireAuthorization(ApiScopes.SecretsAdmin)
            .Produces<WorkerPage>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<Ok<WorkerPage>> ListAsync(HttpContext context, QueuedRuns queued, CancellationToken cancellationToken)
    {
        if (!Callers.PrincipalOf(context).IsStoreAdmin)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, AccessErrors.PermissionDeniedCode, "listing workers needs an admin of every organization");
        }

        return TypedResults.Ok(new WorkerPage(await queued.WorkersAsync(cancellationToken).ConfigureAwait(false)));
    }
}
