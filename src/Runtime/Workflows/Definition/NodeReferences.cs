using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>
/// Everything a node refers to, found statically: the secrets it needs (where and how), and its template fields.
/// Works on the node's JSON as written, so a workflow that does not validate can still be searched.
/// </summary>
public static class NodeReferences
{
    /// <summary>The configuration keys that are not templates: identity, code, names and host lists.</summary>
    internal static readonly IReadOnlySet<string> NonTemplateKeys =
        new HashSet<string>(StringComparer.Ordinal) { "id", "type", "language", "file", "source", "expression", "credentials", "allowedHosts", "description" };

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
            if (NonTemplateKeys.Contains(key))
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
        if (Text(configuration["type"]) == "expression" && Text(configuration["expression"]) is { } expression)
        {
            foreach (var name in JavaScriptReferences.Find(expression).Secrets)
            {
                yield return ($"{nodePath}.expression", new SecretReference(name, ReferenceSyntax.JavaScript, $"secrets.{name.Value}"));
            }
        }

        if (configuration["credentials"] is JsonArray credentials)
        {
            for (var i = 0; i < credentials.Count; i++)
            {
                if (Text((credentials[i] as JsonObject)?["secret"]) is { } secret && SecretName.TryParse(secret, out var name, out _))
                {
                    yield return ($"{nodePath}.credentials[{i}].secret", new SecretReference(name, ReferenceSyntax.Credential, secret));
                }
            }
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
