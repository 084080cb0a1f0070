using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Store.SavedWorkflows;

/// <summary>
/// Workflows saved in projects, in the store's database, so every host of a shared PostgreSQL store sees the same ones.
/// Project writers save, project readers read, the owner (the first saver, for good) or a project admin deletes. A saved
/// workflow is self-contained: it has no folder, so a code node holds its script in <c>source</c>, never a <c>file</c>
/// path (which would otherwise be read on whichever host runs it). Saves and deletes check-and-set on the version when
/// given an ETag, and each is audited, never with the document.
/// </summary>
public sealed class SavedWorkflowStore
{
    /// <summary>The largest document saved, in characters (as a workflow file's limit).</summary>
    public const int MaxDocumentLength = WorkflowLoader.MaxFileBytes;

    private readonly ISavedWorkflowRows _rows;
    private readonly TimeProvider _time;

    internal SavedWorkflowStore(ISavedWorkflowRows rows, TimeProvider time)
    {
        _rows = rows;
        _time = time;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a valid project or workflow name: a letter or digit, then letters, digits,
    /// '.', '_' and '-', at most 100 characters (so no path separator, no <c>..</c>, nothing to escape).
    /// </summary>
    public static bool IsValidName(string? text) =>
        text is { Length: > 0 and <= 100 } && char.IsAsciiLetterOrDigit(text[0]) && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>One saved workflow, or null; the caller needs a role in the project.</summary>
    /// <exception cref="StoreException">A name is invalid, or the caller has no role in the project or lacks <c>runs:execute</c>.</exception>
    public async Task<SavedWorkflow?> GetAsync(Principal principal, string project, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ValidateAddress(project, name);
        AccessStore.RequireScope(principal, TokenScopes.RunsExecute);
        RequireRole(principal, project, SecretRole.Reader, "read");
        return await _rows.GetAsync(project, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The saved workflows the caller may read (of projects it has a role in), of one project or all, by project and name.</summary>
    /// <exception cref="StoreException">The project name is invalid, or the caller's token has neither <c>runs:execute</c> nor <c>secrets:read</c>.</exception>
    public async Task<IReadOnlyList<SavedWorkflow>> ListAsync(Principal principal, string? project = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (project is not null && !IsValidName(project))
        {
            throw StoreErrors.WorkflowNameInvalid("project");
        }

        if (!principal.HasScope(TokenScopes.RunsExecute))
        {
            // Usages of a secret list the saved workflows that refer to it: secrets:read is enough to see them.
            AccessStore.RequireScope(principal, TokenScopes.SecretsRead);
        }

        var all = await _rows.ListAsync(project, cancellationToken).ConfigureAwait(false);
        return all.Where(w => principal.Has(SecretScope.Project, w.Project, SecretRole.Reader)).ToList();
    }

    /// <summary>
    /// Saves <paramref name="document"/> (a workflow's JSON) as <paramref name="name"/> in <paramref name="project"/>:
    /// the path is the address, so the document's <c>project</c> and <c>name</c> are set to it and its <c>owner</c> is
    /// dropped (the first saver owns it). The document is validated as a run would load it before anything is written.
    /// </summary>
    /// <param name="principal">The saver: a writer of the project, with <c>runs:execute</c>.</param>
    /// <param name="project">The project.</param>
    /// <param name="name">The workflow's name.</param>
    /// <param name="document">The workflow JSON (references only; never a value).</param>
    /// <param name="ifMatch">An ETag the current version must have (<c>*</c>: any existing one), or null.</param>
    /// <param name="createOnly">Refuse when it exists (<c>If-None-Match: *</c>).</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <exception cref="StoreException">A name or the document is invalid, the caller may not save here, or the ETag check failed.</exception>
    /// <exception cref="InvalidWorkflowException">The workflow breaks a rule (a code node naming a file included); every problem is listed.</exception>
    public async Task<SavedWorkflowSave> SaveAsync(Principal principal, string project, string name, string document, string? ifMatch = null, bool createOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(document);
        ValidateAddress(project, name);
        AccessStore.RequireScope(principal, TokenScopes.RunsExecute);
        RequireRole(principal, project, SecretRole.Writer, "save");
        var normalized = Normalize(project, name, document, principal.UserId);
        var expected = createOnly ? 0 : await ExpectedVersionAsync(project, name, ifMatch, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var audit = new AuditEntry(now, principal.AuditName, "workflow_save", SecretScope.Project, project, null, null, $"saved workflow '{name}'");
        var saved = await _rows.PutAsync(project, name, normalized, principal.UserId, now, expected, audit, cancellationToken).ConfigureAwait(false);
        if (saved is not null)
        {
            return saved;
        }

        var current = await _rows.GetAsync(project, name, cancellationToken).ConfigureAwait(false);
        throw createOnly && current is not null
            ? StoreErrors.WorkflowExists(project, name)
            : StoreErrors.WorkflowPreconditionFailed(project, name, current?.ETag, ifMatch ?? "*");
    }

    /// <summary>Deletes a saved workflow: its owner or a project admin may.</summary>
    /// <exception cref="StoreException">A name is invalid, it does not exist, the caller may not delete it, or the ETag check failed.</exception>
    public async Task DeleteAsync(Principal principal, string project, string name, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ValidateAddress(project, name);
        AccessStore.RequireScope(principal, TokenScopes.RunsExecute);
        RequireRole(principal, project, SecretRole.Reader, "delete");
        var current = await _rows.GetAsync(project, name, cancellationToken).ConfigureAwait(false) ?? throw StoreErrors.WorkflowMissing(project, name);
        if (!string.Equals(current.Owner, principal.UserId, StringComparison.Ordinal) && !principal.Has(SecretScope.Project, project, SecretRole.Admin))
        {
            throw StoreErrors.WorkflowForbidden(principal, project, "delete (only its owner or a project admin may)");
        }

        if (ifMatch is not null && ifMatch != "*" && !string.Equals(ifMatch, current.ETag, StringComparison.Ordinal))
        {
            throw StoreErrors.WorkflowPreconditionFailed(project, name, current.ETag, ifMatch);
        }

        // The owner was checked on this version: delete only this version, so a concurrent re-creation survives.
        var audit = new AuditEntry(_time.GetUtcNow(), principal.AuditName, "workflow_delete", SecretScope.Project, project, null, null, $"saved workflow '{name}'");
        if (!await _rows.DeleteAsync(project, name, current.Version, audit, cancellationToken).ConfigureAwait(false))
        {
            var now = await _rows.GetAsync(project, name, cancellationToken).ConfigureAwait(false);
            throw now is null ? StoreErrors.WorkflowMissing(project, name) : StoreErrors.WorkflowPreconditionFailed(project, name, now.ETag, current.ETag);
        }
    }

    /// <summary>
    /// Adds a workflow saved by an older version (owner, times and document as they were) unless the project already
    /// has one of its name; true when added. Only an admin of every organization may (a server does it at start).
    /// </summary>
    /// <exception cref="StoreException">The caller is not an admin of every organization, or the workflow is invalid.</exception>
    /// <exception cref="InvalidWorkflowException">The workflow breaks a rule (a code node naming a file included).</exception>
    public async Task<bool> ImportAsync(Principal principal, SavedWorkflow workflow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(workflow);
        if (!principal.IsStoreAdmin)
        {
            throw StoreErrors.WorkflowForbidden(principal, workflow.Project, "import");
        }

        ValidateAddress(workflow.Project, workflow.Name);
        AccessStore.ValidateUser(workflow.Owner);
        var normalized = Normalize(workflow.Project, workflow.Name, workflow.Document, workflow.Owner);
        var audit = new AuditEntry(_time.GetUtcNow(), principal.AuditName, "workflow_import", SecretScope.Project, workflow.Project, null, null,
            $"saved workflow '{workflow.Name}' of owner '{workflow.Owner}'");
        return await _rows.InsertIfAbsentAsync(workflow with { Document = normalized, Version = Math.Max(1, workflow.Version) }, audit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The workflow as a run loads it: its owner from the store, the document as saved (self-contained, so nothing is read from any folder).</summary>
    /// <exception cref="InvalidWorkflowException">The stored document breaks a rule of this program's loader.</exception>
    public static WorkflowDefinition Load(SavedWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var document = Parse(workflow.Document);
        document["owner"] = workflow.Owner;
        return LoadChecked(document, workflow.Project, workflow.Name);
    }

    /// <summary>The document with its owner set from the store, as JSON (what a client reads back).</summary>
    public static JsonObject Document(SavedWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var document = Parse(workflow.Document);
        document["owner"] = workflow.Owner;
        return document;
    }

    private static string Normalize(string project, string name, string document, string owner)
    {
        if (document.Length > MaxDocumentLength)
        {
            throw StoreErrors.WorkflowInvalid(string.Create(CultureInfo.InvariantCulture, $"the saved workflow's document is over {MaxDocumentLength} characters"));
        }

        var json = Parse(document);
        json["project"] = project;
        json["name"] = name;
        json.Remove("owner");

        // Validated as a run loads it, with no folder: a code node naming a file is refused here, not at run time.
        var check = (JsonObject)json.DeepClone();
        check["owner"] = owner;
        _ = LoadChecked(check, project, name);
        return json.ToJsonString();
    }

    private static WorkflowDefinition LoadChecked(JsonObject document, string project, string name)
    {
        try
        {
            return WorkflowLoader.Parse(document.ToJsonString()) with { SourcePath = $"{project}/{name}" };
        }
        catch (InvalidWorkflowException invalid)
        {
            throw new InvalidWorkflowException($"saved workflow {project}/{name}", invalid.Problems);
        }
    }

    private static JsonObject Parse(string document)
    {
        try
        {
            return JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject
                ?? throw StoreErrors.WorkflowInvalid("a saved workflow's document is a JSON object with name, project and nodes");
        }
        catch (JsonException)
        {
            // System.Text.Json's message quotes no input, but nothing of the document is needed to fix it.
            throw StoreErrors.WorkflowInvalid("a saved workflow's document is not valid JSON");
        }
    }

    private async Task<int?> ExpectedVersionAsync(string project, string name, string? ifMatch, CancellationToken cancellationToken)
    {
        if (ifMatch is null)
        {
            return null;
        }

        if (ifMatch == "*")
        {
            var current = await _rows.GetAsync(project, name, cancellationToken).ConfigureAwait(false)
                ?? throw StoreErrors.WorkflowPreconditionFailed(project, name, null, ifMatch);
            return current.Version;
        }

        // "w7" quoted, as SavedWorkflow.ETag writes it; anything else matches no version.
        return ifMatch.Length >= 4 && ifMatch.StartsWith("\"w", StringComparison.Ordinal) && ifMatch.EndsWith('"')
            && int.TryParse(ifMatch.AsSpan(2, ifMatch.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : -1;
    }

    private static void ValidateAddress(string project, string name)
    {
        if (!IsValidName(project))
        {
            throw StoreErrors.WorkflowNameInvalid("project");
        }

        if (!IsValidName(name))
        {
            throw StoreErrors.WorkflowNameInvalid("name");
        }
    }

    private static void RequireRole(Principal principal, string project, SecretRole role, string what)
    {
        if (!principal.Has(SecretScope.Project, project, role))
        {
            throw StoreErrors.WorkflowForbidden(principal, project, what);
        }
    }
}
