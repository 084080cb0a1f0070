using Secrets.Runtime.References;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows;

/// <summary>Everything a node refers to, found statically: the secrets it needs (with where and how), and the earlier nodes it reads.</summary>
public static class NodeReferences
{
    /// <summary>The configuration keys that are not templates: identity, code, names and host lists.</summary>
    internal static readonly IReadOnlySet<string> NonTemplateKeys =
        new HashSet<string>(StringComparer.Ordinal) { "id", "type", "language", "file", "source", "expression", "credentials", "allowedHosts" };

    /// <summary>The node's template fields (every string not under a non-template key), parsed.</summary>
    public static IEnumerable<TemplateField> TemplateFields(WorkflowNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (var (key, value) in node.Configuration)
        {
            if (NonTemplateKeys.Contains(key))
            {
                continue;
            }

            foreach (var (path, text) in JsonPaths.Strings(value, JsonPaths.Property(node.JsonPath, key), includeKeys: key == "headers"))
            {
                yield return new TemplateField(path, TemplateParser.Parse(text));
            }
        }
    }

    /// <summary>Every secret the node refers to, in any syntax, with the JSON path of each reference.</summary>
    public static IEnumerable<(string JsonPath, SecretReference Reference)> Secrets(WorkflowNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node)
        {
            case ExpressionNode expression:
                foreach (var name in JavaScriptReferences.Find(expression.Expression).Secrets)
                {
                    yield return ($"{node.JsonPath}.expression", new SecretReference(name, ReferenceSyntax.JavaScript, $"secrets.{name.Value}"));
                }

                break;
            case CodeNode code:
                for (var i = 0; i < code.Credentials.Count; i++)
                {
                    var credential = code.Credentials[i];
                    yield return ($"{node.JsonPath}.credentials[{i}].secret", new SecretReference(credential.Secret, ReferenceSyntax.Credential, credential.Secret.Value));
                }

                break;
        }

        foreach (var field in TemplateFields(node))
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
}
