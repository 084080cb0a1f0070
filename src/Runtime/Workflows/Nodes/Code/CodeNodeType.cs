using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Export;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>The <c>code</c> node type: a C# script run in a sandboxed worker with its aliased credentials.</summary>
internal sealed class CodeNodeType : INodeType
{
    public string Name => CodeNode.TypeName;

    public IReadOnlySet<string> Properties { get; } = new HashSet<string>(StringComparer.Ordinal) { "language", "source", "file", "credentials", "allowedHosts", "input" };

    public IReadOnlySet<string> CodeProperties { get; } = new HashSet<string>(StringComparer.Ordinal) { "language", "source", "file", "credentials", "allowedHosts" };

    public WorkflowNode? Parse(NodeParseInput input) => CodeNodeParser.Parse(input);

    public IEnumerable<(string JsonPath, SecretReference Reference)> CodeReferences(JsonObject configuration, string nodePath)
    {
        if (configuration["credentials"] is not JsonArray credentials)
        {
            yield break;
        }

        for (var i = 0; i < credentials.Count; i++)
        {
            if ((credentials[i] as JsonObject)?["secret"] is JsonValue value && value.TryGetValue<string>(out var secret) && SecretName.TryParse(secret, out var name, out _))
            {
                yield return ($"{nodePath}.credentials[{i}].secret", new SecretReference(name, ReferenceSyntax.Credential, secret));
            }
        }
    }

    public IEnumerable<(string JsonPath, string Source)> JavaScript(WorkflowNode node) => [];

    public ExportField ExportFieldAt(string propertyPath) => CodeNodeExportRule.FieldAt(propertyPath);

    public INodeRunner CreateRunner(NodeRunnerServices services) => new CodeNodeRunner(services.Scripts);
}
