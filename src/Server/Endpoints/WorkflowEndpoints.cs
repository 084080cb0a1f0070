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
using Secrets.Runtime.Store.SavedWorkflows;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>PUT|GET|DELETE /api/v1/projects/{project}/workflows/{name}</c>: workflows saved in a project; the first saver owns one.</summary>
internal static class WorkflowEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var workflow = api.MapGroup("/projects/{project}/workflows/{name}").WithTags("workflows").RequireAuthorization(ApiScopes.RunsExecute);
        workflow.MapPut("/", PutAsync)
            .WithName("putWorkflow").WithSummary("Saves a workflow in the project (201 when new); the first saver is its owner; honours If-Match and If-None-Match: *.")
            .Accepts<JsonObject>("application/json").Produces<StoredWorkflow>(StatusCodes.Status200OK).Produces<StoredWorkflow>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        workflow.MapGet("/", GetAsync)
            .WithName("getWorkflow").WithSummary("A saved workflow, its owner and ETag.")
            .Produces<StoredWorkflow>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        workflow.MapDelete("/", DeleteAsync)
            .WithName("deleteWorkflow").WithSummary("Deletes a saved workflow (its owner or a project admin); honours If-Match.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
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

        // The store validates it as a run loads it (no folder: a code node's script is in "source") before writing.
        var ifMatch = IfMatch(context);
        var createOnly = context.Request.Headers.IfNoneMatch.Any(h => h is not null && h.Trim() == "*");
        var (saved, created) = await workflows.SaveAsync(principal, project, name, document.ToJsonString(), ifMatch, createOnly, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = saved.ETag;
        var body = StoredWorkflowStore.ToContract(saved);
        return created ? TypedResults.Created($"/api/v1/projects/{project}/workflows/{name}", body) : TypedResults.Ok(body);
    }

    private static async Task<Ok<StoredWorkflow>> GetAsync(HttpContext context, StoredWorkflowStore workflows, string project, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        StoredWorkflowStore.ValidateName(project, "project");
        StoredWorkflowStore.ValidateName(name, "name");
        RequireProject(principal, project, SecretRole.Reader, "read");
        var saved = await FindAsync(workflows, principal, project, name, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = saved.ETag;
        return TypedResults.Ok(StoredWorkflowStore.ToContract(saved));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, StoredWorkflowStore workflows, string project, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        StoredWorkflowStore.ValidateName(project, "project");
        StoredWorkflowStore.ValidateName(name, "name");
        RequireProject(principal, project, SecretRole.Reader, "delete");
        var stored = await FindAsync(workflows, principal, project, name, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(stored.Owner, principal.UserId, StringComparison.Ordinal) && !principal.Has(SecretScope.Project, project, SecretRole.Admin))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowForbiddenCode, "only the workflow's owner or a project admin may delete it");
        }

        await workflows.DeleteAsync(principal, project, name, IfMatch(context), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>The saved workflow, or 404.</summary>
    public static async Task<SavedWorkflow> FindAsync(StoredWorkflowStore workflows, Principal principal, string project, string name, CancellationToken cancellationToken) =>
        await workflows.GetAsync(principal, project, name, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowNotFoundCode, "no workflow of that name in this project");

    /// <summary>The one ETag of <c>If-Match</c> (<c>*</c>: any existing version), or null.</summary>
    private static string? IfMatch(HttpContext context)
    {
        var tags = context.Request.Headers.IfMatch.SelectMany(h => (h ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        return tags.Count switch
        {
            0 => null,
            1 => tags[0],
            _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestIfMatchInvalidCode, "If-Match takes one ETag", [new ApiError("one ETag, as GET returned it", "If-Match")]),
        };
    }

    private static void RequireSame(JsonObject document, string property, string expected)
    {
        if (document[property] is { } node && (node.GetValueKind() != System.Text.Json.JsonValueKind.String || node.GetValue<string>() != expected))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowAddressMismatchCode, $"the workflow's {property} differs from the one in the path",
                [new ApiError($"must equal the {property} in the path, or be left out", "$." + property)]);
        }
    }
}
