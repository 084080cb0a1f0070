using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (the store answers); neither needs a token.</summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok")))
            .WithName("health").WithTags("health").WithSummary("The process is up.").AllowAnonymous();
        routes.MapGet("/readyz", ReadyAsync)
            .WithName("ready").WithTags("health").WithSummary("The store is reachable.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable).AllowAnonymous();
    }

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> ReadyAsync(ISecretStore store, CancellationToken cancellationToken)
    {
        try
        {
            // A principal with no grants sees nothing, but the rows are read: the database answers or this throws.
            await store.ListAsync(new Principal("readyz", []), new SecretListQuery { Scope = SecretScope.Organization, Owner = "readyz" }, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new HealthStatus("ready"));
        }
        catch (Exception ex) when (ex is Redaction.SecretsRuntimeException or System.Data.Common.DbException or IOException)
        {
            return (ProblemHttpResult)TypedResults.Problem(ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, Secrets.Runtime.Server.Problems.ApiErrors.StoreUnreachableCode, "the store does not answer"));
        }
    }
}
