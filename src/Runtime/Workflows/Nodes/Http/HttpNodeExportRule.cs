using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>How export replaces a literal value in this node type: every string of an HTTP node is a template.</summary>
internal static class HttpNodeExportRule
{
    /// <summary>The kind of field at <paramref name="propertyPath"/>, relative to the node (<c>.source</c>, <c>.headers.Authorization</c>).</summary>
    public static ExportField FieldAt(string propertyPath) => ExportField.Template;
}
