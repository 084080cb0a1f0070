using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>A node of a workflow: its id, its position and its configuration exactly as written (never rewritten with values).</summary>
public abstract record WorkflowNode
{
    private protected WorkflowNode(string id, int index, JsonObject configuration)
    {
        Id = id;
        Index = index;
        Configuration = configuration;
    }

    /// <summary>The node's id, unique in the workflow.</summary>
    public string Id { get; }

    /// <summary>The node's position in the workflow (0-based); nodes run in this order.</summary>
    public int Index { get; }

    /// <summary>The node's JSON object as written in the workflow file.</summary>
    public JsonObject Configuration { get; }

    /// <summary>The node's type as written: <c>expression</c>, <c>code</c> or <c>http</c>.</summary>
    public abstract string Type { get; }

    /// <summary>The JSON path of this node in the workflow file, such as <c>$.nodes[2]</c>.</summary>
    public string JsonPath => $"$.nodes[{Index}]";
}
