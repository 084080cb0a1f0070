using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Expression;

/// <summary>The <c>expression</c> node type: a JavaScript expression evaluated in the sandbox.</summary>
internal sealed class ExpressionNodeType : INodeType
{
    public string Name => ExpressionNode.TypeName;

    public IReadOnlySet<string> Properties { get; } = new HashSet<string>(StringComparer.Ordinal) { "expression" };

    public IReadOnlySet<string> CodeProperties { get; } = new HashSet<string>(StringComparer.Ordinal) { "expression" };

    public WorkflowNode? Parse(NodeParseInput input) => ExpressionNodeParser.Parse(input);

    public IEnumerable<(string JsonPath, SecretReference Reference)> CodeReferences(JsonObject configuration, string nodePath)
    {
        if (configuration["expression"] is JsonValue value && value.TryGetValue<string>(out var expression))
        {
            foreach (var name in JavaScriptReferences.Find(expression).Secrets)
            {
                yield return ($"{nodePath}.expression", new SecretReference(name, ReferenceSyntax.JavaScript, $"secrets.{name.Value}"));
            }
        }
    }

    public IEnumerable<(string JsonPath, string Source)> JavaScript(WorkflowNode node) =>
        node is ExpressionNode expression ? [($"{node.JsonPath}.expression", expression.Expression)] : [];

    public ExportField ExportFieldAt(string propertyPath) => ExpressionNodeExportRule.FieldAt(propertyPath);

    public INodeRunner CreateRunner(NodeRunnerServices services) => new ExpressionNodeRunner(services.Expressions);
}
