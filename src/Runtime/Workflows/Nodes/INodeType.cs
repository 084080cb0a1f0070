using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes;

/// <summary>
/// One node type, all it takes to add one: its name and properties, its parser, what its code refers to, its export
/// rule and its runner. <see cref="NodeTypes"/> lists them for the loader, the reference finder, the exporter and the executor.
/// </summary>
internal interface INodeType
{
    /// <summary>The type's name in workflow files (<c>"type": "http"</c>).</summary>
    string Name { get; }

    /// <summary>The properties a node of this type may have, besides <c>id</c>, <c>type</c> and <c>description</c>.</summary>
    IReadOnlySet<string> Properties { get; }

    /// <summary>Its properties that hold code, names or host lists rather than templates.</summary>
    IReadOnlySet<string> CodeProperties { get; }

    /// <summary>Parses a node of this type, adding every problem found; null when it cannot be built.</summary>
    WorkflowNode? Parse(NodeParseInput input);

    /// <summary>The secrets the node's code properties refer to (not its templates), with the JSON path of each.</summary>
    IEnumerable<(string JsonPath, SecretReference Reference)> CodeReferences(JsonObject configuration, string nodePath);

    /// <summary>The JavaScript the node's code properties hold, with the JSON path of each (checked by the loader).</summary>
    IEnumerable<(string JsonPath, string Source)> JavaScript(WorkflowNode node);

    /// <summary>How a value found at <paramref name="propertyPath"/> (relative to the node, such as <c>.source</c>) is replaced on export.</summary>
    ExportField ExportFieldAt(string propertyPath);

    /// <summary>The runner of this type's nodes.</summary>
    INodeRunner CreateRunner(NodeRunnerServices services);
}
