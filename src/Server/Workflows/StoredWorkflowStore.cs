using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.SavedWorkflows;

namespace Secrets.Runtime.Server.Workflows;

/// <summary>
/// The API's view of the workflows saved in the store (<see cref="SecretStore.Workflows"/>): rows in the same SQLite
/// file or PostgreSQL database as the secrets, so every host of a shared store serves the same ones. The first saver
/// stays the owner.
/// </summary>
internal sealed class StoredWorkflowStore(SecretStore store)
{
    /// <summary>Names of projects and workflows: a letter or digit, then letters, digits, '.', '_' and '-', at most 100.</summary>
    public static void ValidateName(string text, string what)
    {
        if (!SavedWorkflowStore.IsValidName(text))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowNameInvalidCode, $"the {what} in the path is not valid",
                [new ApiError("use a letter or digit, then letters, digits, '.', '_' and '-', at most 100 characters", what)]);
        }
    }

    /// <summary>The saved workflow, or null.</summary>
    public Task<SavedWorkflow?> GetAsync(Principal principal, string project, string name, CancellationToken cancellationToken) =>
        store.Workflows.GetAsync(principal, project, name, cancellationToken);

    /// <summary>Saves the document; the store validates it as a run loads it and keeps the first saver as owner.</summary>
    public Task<SavedWorkflowSave> SaveAsync(Principal principal, string project, string name, string document, string? ifMatch, bool createOnly, CancellationToken cancellationToken) =>
        store.Workflows.SaveAsync(principal, project, name, document, ifMatch, createOnly, cancellationToken);

    /// <summary>Every saved workflow the caller may read (for usages).</summary>
    public Task<IReadOnlyList<SavedWorkflow>> ListAsync(Principal principal, CancellationToken cancellationToken) =>
        store.Workflows.ListAsync(principal, null, cancellationToken);

    /// <summary>Deletes it (its owner or a project admin), honouring <paramref name="ifMatch"/>.</summary>
    public Task DeleteAsync(Principal principal, string project, string name, string? ifMatch, CancellationToken cancellationToken) =>
        store.Workflows.DeleteAsync(principal, project, name, ifMatch, cancellationToken);

    /// <summary>The answer body for a saved workflow.</summary>
    public static StoredWorkflow ToContract(SavedWorkflow saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        return new StoredWorkflow
        {
            Name = saved.Name,
            Project = saved.Project,
            Owner = saved.Owner,
            Version = saved.Version,
            Etag = saved.ETag,
            CreatedAt = saved.CreatedAt,
            UpdatedAt = saved.UpdatedAt,
            UpdatedBy = saved.UpdatedBy,
            Workflow = SavedWorkflowStore.Document(saved),
        };
    }
}
