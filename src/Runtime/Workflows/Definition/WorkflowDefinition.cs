using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>A validated workflow: nodes run in order; secrets are referenced by name and resolved only at run time.</summary>
/// <param name="Name">The workflow's name.</param>
/// <param name="Organization">The organization whose shared secrets apply (default <c>default</c>).</param>
/// <param name="Project">The project whose secrets are looked up first.</param>
/// <param name="Owner">The user whose personal secrets apply to api, webhook and schedule runs.</param>
/// <param name="Nodes">The nodes, in run order.</param>
/// <param name="SourcePath">The file the workflow was read from, or null.</param>
public sealed record WorkflowDefinition(string Name, string Organization, string Project, string Owner, IReadOnlyList<WorkflowNode> Nodes, string? SourcePath)
{
    /// <summary>The whole workflow document as it was read and validated (a copy; never rewritten with values).</summary>
    public JsonObject Document { get; init; } = [];
}
