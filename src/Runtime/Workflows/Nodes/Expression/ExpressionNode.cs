using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Expression;

/// <summary>A node whose output is a JavaScript expression (or template literal) evaluated in the sandbox.</summary>
internal sealed record ExpressionNode : WorkflowNode
{
    internal ExpressionNode(string id, int index, JsonObject configuration, string expression)
        : base(id, index, configuration) => Expression = expression;

    /// <summary>The JavaScript source.</summary>
    public string Expression { get; }

    /// <summary>The node type's name in workflow files: <c>"expression"</c>.</summary>
    public const string TypeName = "expression";

    /// <inheritdoc />
    public override string Type => TypeName;
}
