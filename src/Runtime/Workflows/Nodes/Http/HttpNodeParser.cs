using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>Reads an HTTP node's JSON into an <see cref="HttpNode"/>, reporting every problem with its JSON path.</summary>
internal static class HttpNodeParser
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };

    /// <summary>Parses an HTTP node: its URL, method, headers and allowed hosts.</summary>
    public static HttpNode? Parse(NodeParseInput input)
    {
        var (config, copy, id, index, path, _, problems) = input;
        var url = WorkflowLoader.RequiredString(config, path, "url", problems);
        var method = WorkflowLoader.OptionalString(config, path, "method", problems);
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

        var hosts = WorkflowLoader.StringList(config, path, "allowedHosts", problems);
        return url is null ? null : new HttpNode(id, index, copy, hosts);
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
}
