using System.Text.Json.Nodes;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>Evaluates the JavaScript of a <c>{{= ... }}</c> template part for a node.</summary>
internal interface IInlineExpressionEvaluator
{
    /// <summary>Evaluates <paramref name="javascript"/> with the node's secrets, earlier outputs and the run input.</summary>
    JsonNode? Evaluate(WorkflowNode node, string javascript, IReadOnlyDictionary<SecretName, string> secrets, JsonObject outputs, JsonNode? inputs);
}
