using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Expression;

/// <summary>Reads an expression node's JSON into an <see cref="ExpressionNode"/>.</summary>
internal static class ExpressionNodeParser
{
    /// <summary>Parses an expression node: its JavaScript <c>expression</c> (checked for syntax and node references by the loader).</summary>
    public static ExpressionNode? Parse(NodeParseInput input)
    {
        var expression = WorkflowLoader.RequiredString(input.Configuration, input.Path, "expression", input.Problems);
        return expression is null ? null : new ExpressionNode(input.Id, input.Index, input.Copy, expression);
    }
}
