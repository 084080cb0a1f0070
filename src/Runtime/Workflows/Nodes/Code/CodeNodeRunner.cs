using System.Diagnostics;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>Runs C# code nodes: builds <c>context.json</c> from the credentials list (alias to value) and runs the script in a worker.</summary>
internal sealed class CodeNodeRunner : INodeRunner
{
    private readonly ScriptRunner _runner;

    public CodeNodeRunner(ScriptRunner runner) => _runner = runner;

    public string Type => CodeNode.TypeName;

    /// <summary>Starts a spare execution worker (and the compile worker, if a script is not cached) while the run resolves its first nodes.</summary>
    public void Prepare(WorkflowDefinition workflow)
    {
        if (workflow.Nodes.OfType<CodeNode>().Select(n => n.Source).ToList() is { Count: > 0 } sources)
        {
            _runner.Prewarm(sources);
        }
    }

    public async Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken)
    {
        var node = (CodeNode)context.Node;
        var secrets = node.Credentials.ToDictionary(c => c.Alias, c => context.Secrets[c.Secret], StringComparer.Ordinal);
        var input = node.Configuration["input"] is { } configured ? context.Renderer.RenderJson(configured) : context.Inputs;
        var started = Stopwatch.GetTimestamp();
        var result = await _runner.RunAsync(new ScriptRequest
        {
            Source = node.Source,
            Tenant = context.Organization,
            Principal = context.Principal,
            AllowedHosts = node.AllowedHosts,
            Secrets = secrets,
            InputJson = input?.ToJsonString() ?? "null",
            Run = new ScriptRunInfo(context.RunId, context.Workflow, node.Id, context.Trigger.ToString().ToLowerInvariant()),
        }, cancellationToken).ConfigureAwait(false);
        var resolved = new JsonObject
        {
            ["language"] = "csharp",
            ["credentials"] = new JsonArray(node.Credentials.Select(c => (JsonNode)new JsonObject { ["secret"] = c.Secret.Value, ["alias"] = c.Alias }).ToArray()),
            ["input"] = input?.DeepClone(),
        };
        return result.Status switch
        {
            ScriptStatus.Ok => new NodeOutcome(resolved, result.Value, result.Sensitive, result.Logs)
            {
                TimingsMs = new Dictionary<string, double> { ["worker"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
            },
            ScriptStatus.Rejected => throw new NodeFailedException(node.Id, result.Code!, ErrorKind.Rejected, $"{(node.SourceFile is null ? "source" : Path.GetFileName(node.SourceFile))} {result.Error}"),
            ScriptStatus.Limited => throw new NodeFailedException(node.Id, result.Code!, ErrorKind.LimitExceeded, result.Error ?? "limit exceeded") { Logs = result.Logs, Limit = result.Limit },
            _ => throw new NodeFailedException(node.Id, result.Code!, ErrorKind.Internal, $"script failed: {result.Error}") { Logs = result.Logs },
        };
    }
}
