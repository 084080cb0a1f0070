using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Nodes;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>
/// Everything a node refers to, found statically: the secrets it needs (where and how), and its template fields.
/// Works on the node's JSON as written, so a workflow that does not validate can still be searched.
/// </summary>
internal static class NodeReferences
{
    /// <summary>The node's template fields (every string not under a non-template key, and header names), parsed.</summary>
    public static IEnumerable<TemplateField> TemplateFields(WorkflowNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return TemplateFields(node.Configuration, node.JsonPath);
    }

    /// <summary>The template fields of a node's raw JSON at <paramref name="nodePath"/>.</summary>
    public static IEnumerable<TemplateField> TemplateFields(JsonObject configuration, string nodePath)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (key, value) in configuration)
        {
            if (NodeTypes.NonTemplateProperties.Contains(key))
            {
                continue;
            }

            foreach (var (path, text) in JsonPaths.Strings(value, JsonPaths.Property(nodePath, key), includeKeys: key == "headers"))
            {
                yield return new TemplateField(path, TemplateParser.Parse(text));
            }
        }
    }

    /// <summary>Every secret the node refers to, in any syntax, with the JSON path of each reference.</summary>
    public static IEnumerable<(string JsonPath, SecretReference Reference)> Secrets(WorkflowNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Secrets(node.Configuration, node.JsonPath);
    }

    /// <summary>Every secret a node's raw JSON refers to, in any syntax, with the JSON path of each reference.</summary>
    public static IEnumerable<(string JsonPath, SecretReference Reference)> Secrets(JsonObject configuration, string nodePath)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var reference in NodeTypes.Find(Text(configuration["type"]))?.CodeReferences(configuration, nodePath) ?? [])
        {
            yield return reference;
        }

        foreach (var field in TemplateFields(configuration, nodePath))
        {
            foreach (var part in field.Template.Parts)
            {
                switch (part)
                {
                    case TemplatePart.Secret secret:
                        yield return (field.JsonPath, secret.Reference);
                        break;
                    case TemplatePart.Expression js:
                        foreach (var name in JavaScriptReferences.Find(js.Source).Secrets)
                        {
                            yield return (field.JsonPath, new SecretReference(name, ReferenceSyntax.JavaScript, $"secrets.{name.Value}"));
                        }

                        break;
                }
            }
        }
    }

    /// <summary>The distinct secret names the node needs.</summary>
    public static IReadOnlySet<SecretName> SecretNames(WorkflowNode node) => Secrets(node).Select(s => s.Reference.Name).ToHashSet();

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
