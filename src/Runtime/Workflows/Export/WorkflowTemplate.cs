using System.Text.Json.Nodes;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Export;

/// <summary>A workflow made safe to share: no literal secret value, and a manifest of the secret names it needs.</summary>
/// <param name="Document">The workflow JSON with every literal value replaced by a reference.</param>
/// <param name="Replacements">Each replacement made (path and name, never the value).</param>
/// <param name="RequiredSecrets">Every secret name the template refers to, sorted.</param>
public sealed record WorkflowTemplate(JsonObject Document, IReadOnlyList<TemplateReplacement> Replacements, IReadOnlyList<SecretName> RequiredSecrets)
{
    /// <summary>The manifest document: the workflow's name and the secrets it needs.</summary>
    public JsonObject Manifest() => new()
    {
        ["workflow"] = Document["name"]?.DeepClone(),
        ["secrets"] = new JsonArray(RequiredSecrets.Select(n => (JsonNode)JsonValue.Create(n.Value)).ToArray()),
    };
}
