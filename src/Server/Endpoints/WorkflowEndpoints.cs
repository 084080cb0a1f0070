using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Server.Workflows;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>PUT|GET|DELETE /api/v1/projects/{project}/workflows/{name}</c>: workflows saved in a project; the first saver owns one.</summary>
internal static class WorkflowEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var workflow = api.MapGroup("/projects/{project}/workflows/{name}").WithTags("workflows").RequireAuthorization(ApiScopes.RunsExecute);
        workflow.MapPut("/", PutAsync)
            .WithName("putWorkflow").WithSummary("Saves a workflow in the project (201 when new); the first saver is its owner.")
            .Accepts<JsonObject>("application/json").Produces<StoredWorkflow>(StatusCodes.Status200OK).Produces<StoredWorkflow>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        workflow.MapGet("/", GetAsync)
            .WithName("getWorkflow").WithSummary("A saved workflow and its owner.")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        workflow.MapDelete("/", DeleteAsync)
            .WithName("deleteWorkflow").WithSummary("Deletes a saved workflow (its owner or a project admin).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Refuses a caller without <paramref name="role"/> on the project.</summary>
    public static void RequireProject(Principal principal, string project, SecretRole role, string what)
    {
        if (!principal.Has(SecretScope.Project, project, role))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowForbiddenCode, $"you may not {what} workflows of this project");
        }
    }

    private static async Task<IResult> PutAsync(HttpContext context, StoredWorkflowStore workflows, SecretsServerOptions options, string project, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        StoredWorkflowStore.ValidateName(project, "project");
        StoredWorkflowStore.ValidateName(name, "name");
        RequireProject(principal, project, SecretRole.Writer, "save");
        var document = await RequestBody.ReadJsonAsync<JsonObject>(context, options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        // The path is the address: a document's own name is replaced by it; a different project is refused.
        RequireSame(document, "project", project);
        document["project"] = project;
        document["name"] = name;
        var existing = await workflows.GetAsync(project, name, cancellationToken).ConfigureAwait(false);

        // Validated as it will run (owner included) before anything is written.
        var check = (JsonObject)document.DeepClone();
        check["owner"] = existing?.Owner ?? principal.UserId;
        WorkflowLoader.Parse(check.ToJsonString(), $"{project}/{name}");
        var (stored, created) = await workflows.SaveAsync(project, name, document, principal.UserId, cancellationToken).ConfigureAwait(false);
        return created ? TypedResults.Created($"/api/v1/projects/{project}/workflows/{name}", stored) : TypedResults.Ok(stored);
    }

    private static async Task<Ok<StoredWorkflow>> GetAsync(HttpContext context, StoredWorkflowStore workflows, string project, string name, CancellationToken cancellationToken)
    {
        RequireProject(Callers.PrincipalOf(context), project, SecretRole.Reader, "read");
        return TypedResults.Ok(await FindAsync(workflows, project, name, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, StoredWorkflowStore workflows, string project, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        RequireProject(principal, project, SecretRole.Reader, "delete");
        var stored = await FindAsync(workflows, project, name, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(stored.Owner, principal.UserId, StringComparison.Ordinal) && !principal.Has(SecretScope.Project, project, SecretRole.Admin))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowForbiddenCode, "only the workflow's owner or a project admin may delete it");
        }

        await workflows.DeleteAsync(project, name, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>The saved workflow, or 404.</summary>
    public static async Task<StoredWorkflow> FindAsync(StoredWorkflowStore workflows, string project, string name, CancellationToken cancellationToken) =>
        await workflows.GetAsync(project, name, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowNotFoundCode, "no workflow of that name in this project");

    private static void RequireSame(JsonObject document, string property, string expected)
    {
        if (document[property] is { } node && (node.GetValueKind() != System.Text.Json.JsonValueKind.String || node.GetValue<string>() != expected))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowAddressMismatchCode, $"the workflow's {property} differs from the one in the path",
                [new ApiError($"must equal the {property} in the path, or be left out", "$." + property)]);
        }
    }
}
