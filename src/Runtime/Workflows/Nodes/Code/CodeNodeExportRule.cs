using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>How export replaces a literal value in this node type: the inline source is C#; any other string is a template.</summary>
internal static class CodeNodeExportRule
{
    /// <summary>The kind of field at <paramref name="propertyPath"/>, relative to the node (<c>.source</c>, <c>.headers.Authorization</c>).</summary>
    public static ExportField FieldAt(string propertyPath) => propertyPath == ".source" ? ExportField.CSharp : ExportField.Template;

    /// <summary>Rewrites the script so the value becomes a read of the credential aliased as the secret's name, and binds that alias in <paramref name="node"/>.</summary>
    public static string Rewrite(string source, string value, SecretName name, JsonObject node)
    {
        var rewritten = CSharpLiteralRewriter.Rewrite(source, value, name.Value);
        var credentials = node["credentials"] as JsonArray ?? [];
        node["credentials"] = credentials;
        if (!credentials.Any(c => c?["alias"]?.GetValue<string>() == name.Value))
        {
            credentials.Add(new JsonObject { ["secret"] = name.Value, ["alias"] = name.Value });
        }

        return rewritten;
    }
}
