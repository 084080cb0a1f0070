using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Workflows.Nodes.Expression;

/// <summary>Runs expression nodes and the <c>{{= ... }}</c> parts of templates on the JavaScript evaluator.</summary>
internal sealed class ExpressionNodeRunner : INodeRunner, IInlineExpressionEvaluator
{
    private readonly ExpressionEvaluator _evaluator;
    private readonly ConditionalWeakTable<WorkflowDefinition, StrongBox<bool>> _usesJavaScript = new();

    public ExpressionNodeRunner(ExpressionEvaluator evaluator) => _evaluator = evaluator;

    public string Type => ExpressionNode.TypeName;

    /// <summary>Warms a JavaScript engine in the background when the workflow evaluates any JavaScript (looked for once per definition).</summary>
    public void Prepare(WorkflowDefinition workflow)
    {
        if (_usesJavaScript.GetValue(workflow, w => new StrongBox<bool>(w.Nodes.Any(n => n is ExpressionNode || n.Configuration.ToJsonString().Contains("{{=", StringComparison.Ordinal)))).Value)
        {
            _evaluator.PrewarmInBackground();
        }
    }

    public Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken)
    {
        var node = (ExpressionNode)context.Node;
        var started = Stopwatch.GetTimestamp();
        var result = Evaluate(node, node.Expression, context.Secrets, context.Nodes, context.Inputs, out var sensitive);
        return Task.FromResult(new NodeOutcome(new JsonObject { ["expression"] = node.Expression }, result, sensitive, [])
        {
            TimingsMs = new Dictionary<string, double> { ["evaluation"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
        });
    }

    public JsonNode? Evaluate(WorkflowNode node, string javascript, IReadOnlyDictionary<SecretName, string> secrets, JsonObject outputs, JsonNode? inputs) =>
        Evaluate(node, javascript, secrets, outputs, inputs, out _);

    private JsonNode? Evaluate(WorkflowNode node, string javascript, IReadOnlyDictionary<SecretName, string> secrets, JsonObject outputs, JsonNode? inputs, out bool sensitive)
    {
        var result = _evaluator.Evaluate(new ExpressionRequest
        {
            Expression = javascript,
            Secrets = secrets.ToDictionary(s => s.Key.Value, s => s.Value, StringComparer.Ordinal),
            Nodes = outputs,
            Inputs = inputs,
        });
        sensitive = result.Sensitive;
        return result.Status switch
        {
            ExpressionStatus.Ok => result.Value,
            ExpressionStatus.Rejected => throw new NodeFailedException(node.Id, result.Code!, result.Kind!.Value, $"expression rejected: {result.Error}"),
            ExpressionStatus.Limited => throw new NodeFailedException(node.Id, result.Code!, result.Kind!.Value, result.Error ?? "limit exceeded") { Limit = result.Limit },
            _ => throw new NodeFailedException(node.Id, result.Code!, result.Kind!.Value, $"expression failed: {result.Error}"),
        };
    }
}
