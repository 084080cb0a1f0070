namespace Secrets.Runtime.Store.SavedWorkflows;

/// <summary>
/// The saved workflows of one backend: SQL and nothing else. Each write is one transaction with its audit row. The
/// policy (names, roles, owners, check-and-set) lives in <see cref="SavedWorkflowStore"/>.
/// </summary>
internal interface ISavedWorkflowRows
{
    /// <summary>One saved workflow, or null.</summary>
    Task<SavedWorkflow?> GetAsync(string project, string name, CancellationToken cancellationToken);

    /// <summary>The saved workflows of one project, or of every project when null, ordered by project and name.</summary>
    Task<IReadOnlyList<SavedWorkflow>> ListAsync(string? project, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="document"/> as <paramref name="user"/> at <paramref name="at"/>: creates the row with
    /// <paramref name="user"/> as owner, or gives the existing row a new version and keeps its owner, in one statement,
    /// so concurrent first saves make one owner. <paramref name="expectedVersion"/>: null saves whatever is there, 0
    /// only creates, n only replaces version n. Null when the expectation did not hold (nothing written).
    /// </summary>
    Task<SavedWorkflowSave?> PutAsync(string project, string name, string document, string user, DateTimeOffset at, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Deletes the row (only version <paramref name="expectedVersion"/> when given); false when nothing was deleted.</summary>
    Task<bool> DeleteAsync(string project, string name, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="workflow"/> as it is (owner, times, version) unless the project already has one of its name; true when added.</summary>
    Task<bool> InsertIfAbsentAsync(SavedWorkflow workflow, AuditEntry audit, CancellationToken cancellationToken);
}
