using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Expression;

/// <summary>How export replaces a literal value in this node type: the expression is JavaScript; any other string is a template.</summary>
internal static class ExpressionNodeExportRule
{
    /// <summary>The kind of field at <paramref name="propertyPath"/>, relative to the node (<c>.source</c>, <c>.headers.Authorization</c>).</summary>
    public static ExportField FieldAt(string propertyPath) => propertyPath == ".expression" ? ExportField.JavaScript : ExportField.Template;
}
