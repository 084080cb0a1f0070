using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>Runs the nodes of one type.</summary>
internal interface INodeRunner
{
    /// <summary>The node type this runner handles.</summary>
    string Type { get; }

    /// <summary>Gets ready for a run of <paramref name="workflow"/> if it needs this runner (starts workers in the background); cheap when ready.</summary>
    void Prepare(WorkflowDefinition workflow)
    {
    }

    /// <summary>Runs the node. Failures are <see cref="Redaction.SecretsRuntimeException"/>s whose messages the executor masks again.</summary>
    Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken);
}
