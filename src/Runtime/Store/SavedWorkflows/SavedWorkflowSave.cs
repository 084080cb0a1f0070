namespace Secrets.Runtime.Store.SavedWorkflows;

/// <summary>What a save wrote.</summary>
/// <param name="Workflow">The saved workflow as stored now.</param>
/// <param name="Created">Whether the save created it (its saver became its owner).</param>
public sealed record SavedWorkflowSave(SavedWorkflow Workflow, bool Created);
