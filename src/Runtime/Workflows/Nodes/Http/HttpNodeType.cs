using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>The <c>http</c> node type: a request whose method, URL, headers and body are templates.</summary>
internal sealed class HttpNodeType : INodeType
{
    public string Name => HttpNode.TypeName;

    public IReadOnlySet<string> Properties { get; } = new HashSet<string>(StringComparer.Ordinal) { "method", "url", "headers", "body", "allowedHosts" };

    public IReadOnlySet<string> CodeProperties { get; } = new HashSet<string>(StringComparer.Ordinal) { "allowedHosts" };

    public WorkflowNode? Parse(NodeParseInput input) => HttpNodeParser.Parse(input);

    public IEnumerable<(string JsonPath, SecretReference Reference)> CodeReferences(JsonObject configuration, string nodePath) => [];

    public IEnumerable<(string JsonPath, string Source)> JavaScript(WorkflowNode node) => [];

    public ExportField ExportFieldAt(string propertyPath) => HttpNodeExportRule.FieldAt(propertyPath);

    public INodeRunner CreateRunner(NodeRunnerServices services) => new HttpNodeRunner(services.Http);
}
