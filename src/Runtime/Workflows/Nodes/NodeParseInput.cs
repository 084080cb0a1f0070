using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes;

/// <summary>What a node type's parser is given: the node's JSON as written, a copy to keep, where it is, and the problem list.</summary>
/// <param name="Configuration">The node's JSON as written.</param>
/// <param name="Copy">A copy the node keeps as its configuration.</param>
/// <param name="Id">The node's id.</param>
/// <param name="Index">The node's position in the workflow.</param>
/// <param name="Path">The node's JSON path (<c>$.nodes[2]</c>).</param>
/// <param name="BaseDirectory">The workflow file's folder, or null for an inline workflow.</param>
/// <param name="Problems">Where problems are added.</param>
internal sealed record NodeParseInput(JsonObject Configuration, JsonObject Copy, string Id, int Index, string Path, string? BaseDirectory, List<WorkflowProblem> Problems);
