using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Workflows;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>.../usages</c>: the runs that read a secret (from the store) and the saved workflows that refer to it.</summary>
internal static class SecretUsageEndpoints
{
    public static void Map(RouteGroupBuilder secret, SecretAddress address) =>
        secret.MapGet("/usages", (HttpContext context, SecretStore store, StoredWorkflowStore workflows, string owner, string name, int? limit, CancellationToken ct) =>
                ListAsync(context, store, workflows, address, owner, name, limit, ct))
            .WithName("list" + address.Noun + "SecretUsages").WithSummary("Runs that used the secret (newest first) and saved workflows that refer to it.")
            .RequireAuthorization(ApiScopes.SecretsRead)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Ok<SecretUsages>> ListAsync(HttpContext context, SecretStore store, StoredWorkflowStore workflows, SecretAddress address, string owner, string name, int? limit, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var uses = await store.UsagesAsync(principal, address.Scope, owner, secretName, Cursor.Limit(limit, 100, 1000), cancellationToken).ConfigureAwait(false);
        var saved = new List<SecretWorkflowUse>();
        foreach (var stored in await workflows.ListAsync(principal, cancellationToken).ConfigureAwait(false))
        {
            var document = Store.SavedWorkflows.SavedWorkflowStore.Document(stored);
            // Only workflows that would resolve the name from this secret's scope, and only those the caller may read.
            var resolvesHere = address.Scope switch
            {
                SecretScope.Project => stored.Project == owner,
                SecretScope.Organization => ((string?)document["organization"] ?? "default") == owner,
                _ => stored.Owner == owner,
            };
            if (!resolvesHere || !principal.Has(SecretScope.Project, stored.Project, SecretRole.Reader))
            {
                continue;
            }

            var nodes = SecretUsageFinder.Find(document, secretName, $"{stored.Project}/{stored.Name}").Select(site => site.NodeId).Distinct(StringComparer.Ordinal).ToList();
            if (nodes.Count > 0)
            {
                saved.Add(new SecretWorkflowUse(stored.Project, stored.Name, nodes));
            }
        }

        return TypedResults.Ok(new SecretUsages(uses.Select(u => new SecretRunUse(u.At, u.Workflow, u.RunId, u.NodeId, u.Version, u.UserId)).ToList(), saved));
    }
}
