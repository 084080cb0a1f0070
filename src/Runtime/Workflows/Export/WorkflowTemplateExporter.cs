using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Nodes;
using Secrets.Runtime.Workflows.Nodes.Code;

namespace Secrets.Runtime.Workflows.Export;

/// <summary>
/// Turns a workflow into a shareable template: every literal secret value found anywhere in it is replaced by a
/// reference to the secret by name, in the form the field understands, and the names it needs are listed.
/// </summary>
internal static class WorkflowTemplateExporter
{
    /// <summary>Exports <paramref name="workflow"/> (not modified) against the known secret <paramref name="values"/>.</summary>
    /// <param name="workflow">The workflow document.</param>
    /// <param name="values">Secret names and their current values, as the store resolves them for the exporting user.</param>
    public static WorkflowTemplate Export(JsonObject workflow, IEnumerable<KeyValuePair<SecretName, string>> values)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(values);

        // Longest first, so a value that contains another is replaced whole.
        var known = values.Where(v => !string.IsNullOrWhiteSpace(v.Value)).OrderByDescending(v => v.Value.Length).ToList();
        var document = (JsonObject)workflow.DeepClone();
        var replacements = new List<TemplateReplacement>();

        foreach (var (path, holder, key) in StringSlots(document, "$"))
        {
            var text = holder is JsonObject o ? o[key!]!.GetValue<string>() : ((JsonArray)holder)[int.Parse(key!, System.Globalization.CultureInfo.InvariantCulture)]!.GetValue<string>();
            var hits = known.Where(k => text.Contains(k.Value, StringComparison.Ordinal)).ToList();
            if (hits.Count == 0)
            {
                continue;
            }

            var node = NodeOf(document, path);
            var kind = FieldKind(node, path);
            string rewritten = text;
            foreach (var (name, value) in hits)
            {
                if (!rewritten.Contains(value, StringComparison.Ordinal))
                {
                    continue;
                }

                string form;
                (rewritten, form) = kind switch
                {
                    ExportField.JavaScript => (JavaScriptLiteralRewriter.Rewrite(rewritten, value, name.Value), $"secrets.{name.Value}"),
                    ExportField.CSharp => (CodeNodeExportRule.Rewrite(rewritten, value, name, node!), $"context.Secrets[\"{name.Value}\"]"),
                    _ => (rewritten.Replace(value, $"{{{{secrets.{name.Value}}}}}", StringComparison.Ordinal), $"{{{{secrets.{name.Value}}}}}"),
                };
                replacements.Add(new TemplateReplacement(path, name, form));
            }

            if (holder is JsonObject obj)
            {
                obj[key!] = rewritten;
            }
            else
            {
                ((JsonArray)holder)[int.Parse(key!, System.Globalization.CultureInfo.InvariantCulture)] = rewritten;
            }
        }

        var required = new SortedSet<SecretName>(Comparer<SecretName>.Create((a, b) => string.CompareOrdinal(a.Value, b.Value)));
        if (document["nodes"] is JsonArray nodes)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i] is JsonObject n)
                {
                    foreach (var (_, reference) in NodeReferences.Secrets(n, $"$.nodes[{i}]"))
                    {
                        required.Add(reference.Name);
                    }
                }
            }
        }

        return new WorkflowTemplate(document, replacements, required.ToList());
    }

    /// <summary>
    /// The workflow as one self-contained document: each code node that names a script file gets the script, as the
    /// loader read it (inside the workflow's folder, size-capped), in <c>source</c> instead.
    /// </summary>
    public static JsonObject Inline(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var document = (JsonObject)workflow.Document.DeepClone();
        foreach (var node in workflow.Nodes.OfType<CodeNode>().Where(n => n.SourceFile is not null))
        {
            var entry = (JsonObject)document["nodes"]![node.Index]!;
            entry.Remove("file");
            entry["source"] = node.Source;
        }

        return document;
    }

    /// <summary>The kind of field at <paramref name="path"/>, as the node type's export rule says; outside a node, a template.</summary>
    private static ExportField FieldKind(JsonObject? node, string path)
    {
        var type = node?["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        var end = path.IndexOf(']', StringComparison.Ordinal);
        return NodeTypes.Find(type) is { } nodeType && end > 0 ? nodeType.ExportFieldAt(path[(end + 1)..]) : ExportField.Template;
    }

    private static JsonObject? NodeOf(JsonObject document, string path)
    {
        if (!path.StartsWith("$.nodes[", StringComparison.Ordinal) || document["nodes"] is not JsonArray nodes)
        {
            return null;
        }

        var end = path.IndexOf(']', StringComparison.Ordinal);
        return int.TryParse(path.AsSpan(8, end - 8), out var index) && index < nodes.Count ? nodes[index] as JsonObject : null;
    }

    /// <summary>Every string value in the document with its path and a way to write it back.</summary>
    private static List<(string Path, JsonNode Holder, string? Key)> StringSlots(JsonNode node, string path)
    {
        var slots = new List<(string, JsonNode, string?)>();
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    var childPath = JsonPaths.Property(path, key);
                    if (child is JsonValue v && v.TryGetValue<string>(out _))
                    {
                        slots.Add((childPath, obj, key));
                    }
                    else if (child is not null)
                    {
                        slots.AddRange(StringSlots(child, childPath));
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var childPath = JsonPaths.Item(path, i);
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out _))
                    {
                        slots.Add((childPath, array, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }
                    else if (array[i] is { } child)
                    {
                        slots.AddRange(StringSlots(child, childPath));
                    }
                }

                break;
        }

        return slots;
    }
}
