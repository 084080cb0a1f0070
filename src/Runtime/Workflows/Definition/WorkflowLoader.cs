using System.Text.Json.Nodes;
using System.Text.Json;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Nodes.Code;
using Secrets.Runtime.Workflows.Nodes.Expression;
using Secrets.Runtime.Workflows.Nodes.Http;

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
    private static readonly HashSet<string> CommonKeys = new(StringComparer.Ordinal) { "id", "type", "description" };
    private static readonly Dictionary<string, HashSet<string>> KeysByType = new(StringComparer.Ordinal)
    {
        ["expression"] = new(StringComparer.Ordinal) { "expression" },
        ["code"] = new(StringComparer.Ordinal) { "language", "source", "file", "credentials", "allowedHosts", "input" },
        ["http"] = new(StringComparer.Ordinal) { "method", "url", "headers", "body", "allowedHosts" },
    };

    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };

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

        if (!KeysByType.TryGetValue(type, out var keys))
        {
            problems.Add(new WorkflowProblem($"{path}.type", $"unknown node type '{type}'; expected expression, code or http"));
            return null;
        }

        foreach (var (key, _) in config)
        {
            if (!CommonKeys.Contains(key) && !keys.Contains(key))
            {
                problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), $"unknown property '{key}' for a {type} node"));
            }
        }

        var copy = (JsonObject)config.DeepClone();
        id ??= $"#{index}";
        switch (type)
        {
            case "expression":
                var expression = RequiredString(config, path, "expression", problems);
                return expression is null ? null : new ExpressionNode(id, index, copy, expression);
            case "code":
                return ParseCode(config, copy, id, index, path, baseDirectory, problems);
            default:
                var url = RequiredString(config, path, "url", problems);
                var method = OptionalString(config, path, "method", problems);
                if (method is not null && !Methods.Contains(method.ToUpperInvariant()) && !method.Contains("{{", StringComparison.Ordinal))
                {
                    problems.Add(new WorkflowProblem($"{path}.method", $"unknown HTTP method '{method}'"));
                }

                if (config["headers"] is { } headers && (headers is not JsonObject h || h.Any(p => p.Value is not JsonValue v || !v.TryGetValue<string>(out _))))
                {
                    problems.Add(new WorkflowProblem($"{path}.headers", "headers is an object of string values"));
                }
                else if (config["headers"] is JsonObject written)
                {
                    CheckHeaders(written, $"{path}.headers", problems);
                }

                var hosts = StringList(config, path, "allowedHosts", problems);
                return url is null ? null : new HttpNode(id, index, copy, hosts);
        }
    }

    private static CodeNode? ParseCode(JsonObject config, JsonObject copy, string id, int index, string path, string? baseDirectory, List<WorkflowProblem> problems)
    {
        var language = RequiredString(config, path, "language", problems);
        if (language is not null && language != "csharp")
        {
            problems.Add(new WorkflowProblem($"{path}.language", $"unsupported language '{language}'; code nodes run \"csharp\""));
        }

        var inline = OptionalString(config, path, "source", problems);
        var file = OptionalString(config, path, "file", problems);
        string? source = inline;
        string? sourceFile = null;
        if ((inline is null) == (file is null))
        {
            problems.Add(new WorkflowProblem(path, "a code node has exactly one of \"source\" (inline C#) or \"file\" (a path relative to the workflow file)"));
        }
        else if (file is not null)
        {
            // Read through the confined reader only: the path is the workflow's, not ours, and a problem never quotes the file.
            var (text, fullPath, problem) = baseDirectory is null
                ? (null, null, "an inline workflow has no folder to read a script file from; put the script in \"source\"")
                : ConfinedFileReader.ReadInside(baseDirectory, file, ConfinedFileReader.MaxScriptBytes);

            // Only C# files: a compile diagnostic quotes tokens, so a .env or key file beside the workflow never compiles.
            if (problem is null && !(IsScriptFile(file) && IsScriptFile(fullPath!)))
            {
                problem = $"'{file}' is not a C# script file; a code node's file ends in .csx or .cs";
            }

            if (problem is not null)
            {
                problems.Add(new WorkflowProblem($"{path}.file", problem));
            }
            else
            {
                source = text;
                sourceFile = fullPath;
            }
        }

        var credentials = new List<CodeCredential>();
        if (config["credentials"] is { } rawCredentials)
        {
            if (rawCredentials is not JsonArray list)
            {
                problems.Add(new WorkflowProblem($"{path}.credentials", "credentials is an array of { \"secret\": NAME, \"alias\": ALIAS }"));
            }
            else
            {
                var aliases = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Count; i++)
                {
                    var itemPath = $"{path}.credentials[{i}]";
                    if (list[i] is not JsonObject entry)
                    {
                        problems.Add(new WorkflowProblem(itemPath, "a credential is { \"secret\": NAME, \"alias\": ALIAS }"));
                        continue;
                    }

                    var secret = RequiredString(entry, itemPath, "secret", problems);
                    var alias = RequiredString(entry, itemPath, "alias", problems);
                    SecretName name = default;
                    string? nameError = null;
                    var nameOk = secret is not null && SecretName.TryParse(secret, out name, out nameError);
                    if (secret is not null && !nameOk)
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.secret", $"invalid secret name: {nameError}"));
                    }

                    if (alias is not null && !IsIdentifier(alias))
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.alias", $"alias '{alias}' must be letters, digits and '_', not starting with a digit"));
                    }
                    else if (alias is not null && !aliases.Add(alias))
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.alias", $"alias '{alias}' is used twice in this node"));
                    }
                    else if (alias is not null && nameOk)
                    {
                        credentials.Add(new CodeCredential(name, alias));
                    }
                }
            }
        }

        var hosts = StringList(config, path, "allowedHosts", problems);
        return source is null ? null : new CodeNode(id, index, copy, source, sourceFile, credentials, hosts);
    }

    /// <summary>The literal text of each header (what no reference can change) must already be sendable.</summary>
    private static void CheckHeaders(JsonObject headers, string path, List<WorkflowProblem> problems)
    {
        static string Literal(string template) => string.Concat(TemplateParser.Parse(template).Parts.Select(p => p is TemplatePart.Literal l ? l.Text : "x"));

        foreach (var (name, value) in headers)
        {
            if (Sandbox.Net.SafeHttp.HeaderProblem(Literal(name), Literal(value!.GetValue<string>())) is { } problem)
            {
                problems.Add(new WorkflowProblem(JsonPaths.Property(path, name), $"this header {problem}"));
            }
        }
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

        if (node is ExpressionNode expression)
        {
            CheckJavaScript($"{node.JsonPath}.expression", expression.Expression);
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

    private static string? RequiredString(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
    {
        if (obj[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
        {
            return s;
        }

        problems.Add(new WorkflowProblem(JsonPaths.Property(path, key), obj.ContainsKey(key) ? "must be a non-empty string" : "required"));
        return null;
    }

    private static string? OptionalString(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
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

    private static List<string> StringList(JsonObject obj, string path, string key, List<WorkflowProblem> problems)
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

    private static bool IsScriptFile(string path) => path.EndsWith(".csx", StringComparison.Ordinal) || path.EndsWith(".cs", StringComparison.Ordinal);

    private static bool IsIdentifier(string text) =>
        text.Length > 0 && (char.IsAsciiLetter(text[0]) || text[0] == '_') && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
