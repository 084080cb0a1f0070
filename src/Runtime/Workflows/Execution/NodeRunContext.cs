using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>What a node runner gets: the node, its resolved secrets (and nothing more), earlier outputs, and the run.</summary>
internal sealed record NodeRunContext(
    WorkflowNode Node,
    IReadOnlyDictionary<SecretName, string> Secrets,
    TemplateRenderer Renderer,
    JsonObject Nodes,
    JsonNode? Inputs,
    string RunId,
    string Workflow,
    RunTrigger Trigger,
    string Principal,
    string Organization);
