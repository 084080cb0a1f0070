using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Nodes;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>
/// Reads and validates a workflow file up front: unknown node types and properties, duplicate ids, references to
/// later or unknown nodes, malformed references, JavaScript syntax errors and invalid aliases are all reported with
/// their JSON path before anything runs.
/// </summary>
public static class WorkflowLoader
{
    /// <summary>The largest workflow file accepted, in bytes.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    private static readonly HashSet<string> RootKeys = new(StringComparer.Ordinal) { "$schema", "name", "organization", "project", "owner", "description", "nodes" };

    /// <summary>Reads and validates the workflow file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidWorkflowException">The file is missing, not JSON, or breaks a rule; every problem is listed.</exception>
    public static Task<WorkflowDefinition> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        cancellationToken.ThrowIfCancellationRequested();
        var (text, problem) = ConfinedFileReader.ReadFile(full, MaxFileBytes);
        if (text is null)
        {
            throw new InvalidWorkflowException(path, [new WorkflowProblem("$", $"{full} {problem}")]);
        }

        return Task.FromResult(Parse(text, full));
    }

    /// <summary>Validates workflow JSON text; <paramref name="sourcePath"/> (if any) anchors relative <c>file</c> paths.</summary>
    /// <exception cref="InvalidWorkflowException">The text breaks a rule; every problem is listed.</exception>
    public static WorkflowDefinition Parse(string json, string? sourcePath = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var label = sourcePath is null ? "(inline)" : Path.GetFileName(sourcePath);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            // System.Text.Json's message quotes no input text, only the position.
            throw new InvalidWorkflowException(label, [new WorkflowProblem("$", $"not valid JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}")]);
        }

        var problems = new List<WorkflowProblem>();
        if (root is not JsonObject obj)
        {
            throw new InvalidWorkflowException(label, [new WorkflowProblem("$", "a workflow is a JSON object with name, project, owner and nodes")]);
        }

        foreach (var (key, _) in obj)
        {
            if (!RootKeys.Contains(key))
            {
                problems.Add(new WorkflowProblem(JsonPaths.Property("$", key), $"unknown property '{key}'; expected one of {string.Join(", ", RootKeys.Order(StringComparer.Ordinal))}"));
            }
        }

        var name = RequiredString(obj, "$", "name", problems);
        var project = RequiredString(obj, "$", "project", problems);
        var owner = RequiredString(obj, "$", "owner", problems);
        var organization = OptionalString(obj, "$", "organization", problems) ?? "default";

        var nodes = new List<WorkflowNode>();
        if (obj["nodes"] is not JsonArray array || array.Count == 0)
        {
            problems.Add(new WorkflowProblem("$.nodes", "required: a non-empty array of nodes"));
        }
        else
        {
            // An inline workflow has no folder, so it can name no script file (never the process's current folder).
            var baseDirectory = sourcePath is null ? null : Path.GetDirectoryName(sourcePath)!;
            var ids = array.Select(n => (n as JsonObject)?["id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).ToList();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (ids[i] is { } id && !seen.Add(id))
                {
                    problems.Add(new WorkflowProblem($"$.nodes[{i}].id", $"duplicate node id '{id}' (first used at $.nodes[{ids.IndexOf(id)}])"));
                }

                var node = ParseNode(array[i], i, baseDirectory, problems);
                if (node is null)
                {
                    continue;
                }

                CheckReferences(node, ids, problems);
                nodes.Add(node);
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidWorkflowException(label, problems);
        }

        return new WorkflowDefinition(name!, organization, project!, owner!, nodes, sourcePath) { Document = (JsonObject)obj.DeepClone() };
    }

    private static WorkflowNode? ParseNode(JsonNode? raw, int index, string? baseDirectory, List<WorkflowProblem> problems)
    {
        var path = $"$.nodes[{index}]";
        if (raw is not JsonObject config)
        {
            problems.Add(new WorkflowProblem(path, "a node is an object with an id and a type"));
            return null;
        }

        var id = RequiredString(config, path, "id", problems);
        if (id is not null && !IsIdentifier(id))
        {
            problems.Add(new WorkflowProblem($"{path}.id", $"node id '{id}' must be letters, digits and '_', not starting with a digit (it is used as nodes.{id} in expressions)"));
        }

        var type = RequiredString(config, path, "type", problems);
        if (type is null)
        {
            return null;
        }

        if (NodeTypes.Find(type) is not { } nodeType)
        {
            problems.Add(new WorkflowProblem($"{path}.type", $"unknown node type '{type}'; expected {NodeTypes.Names}"));
            return null;
        }

        foreach (var (key, _) in config)
        {
            if (!NodeTypes.CommonProperties.Contains(key) && !nodeType.Properties.Contains(key))
            {
                problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), $"unknown property '{key}' for a {type} node"));
            }
        }

        var copy = (JsonObject)config.DeepClone();
        id ??= $"#{index}";
        return nodeType.Parse(new NodeParseInput(config, copy, id, index, path, baseDirectory, problems));
    }

    private static void CheckReferences(WorkflowNode node, List<string?> ids, List<WorkflowProblem> problems)
    {
        void CheckNode(string path, string target, string text)
        {
            var at = ids.IndexOf(target);
            if (at < 0)
            {
                problems.Add(new WorkflowProblem(path, $"{text} refers to node '{target}', which does not exist"));
            }
            else if (at >= node.Index)
            {
                problems.Add(new WorkflowProblem(path, $"{text} refers to node '{target}', which runs {(at == node.Index ? "as this node" : "later")}; a node can read only earlier nodes"));
            }
        }

        void CheckJavaScript(string path, string source)
        {
            var js = JavaScriptReferences.Find(source);
            if (js.SyntaxError is not null)
            {
                problems.Add(new WorkflowProblem(path, js.SyntaxError));
            }

            foreach (var target in js.Nodes)
            {
                CheckNode(path, target, $"nodes.{target}");
            }
        }

        foreach (var (path, source) in NodeTypes.Find(node.Type)?.JavaScript(node) ?? [])
        {
            CheckJavaScript(path, source);
        }

        foreach (var field in NodeReferences.TemplateFields(node))
        {
            problems.AddRange(field.Template.Errors.Select(e => new WorkflowProblem(field.JsonPath, e)));
            foreach (var part in field.Template.Parts)
            {
                switch (part)
                {
                    case TemplatePart.DataPath { Root: "nodes" } data:
                        CheckNode(field.JsonPath, data.Path[0], data.Text);
                        break;
                    case TemplatePart.Expression js:
                        CheckJavaScript(field.JsonPath, js.Source);
                        break;
                }
            }
        }
    }

    internal static string? RequiredString(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
    {
        if (obj[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
        {
            return s;
        }

        problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), obj.ContainsKey(key) ? "must be a non-empty string" : "required"));
        return null;
    }

    internal static string? OptionalString(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
    {
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            return s;
        }

        problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), "must be a string"));
        return null;
    }

    internal static List<string> StringList(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
    {
        if (obj[key] is null)
        {
            return [];
        }

        if (obj[key] is JsonArray array && array.All(n => n is JsonValue v && v.TryGetValue<string>(out _)))
        {
            return array.Select(n => n!.GetValue<string>()).ToList();
        }

        problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), "must be an array of strings"));
        return [];
    }

    internal static bool IsIdentifier(string text) =>
        text.Length > 0 && (char.IsAsciiLetter(text[0]) || text[0] == '_') && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
