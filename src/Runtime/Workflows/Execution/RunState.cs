using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Serilog;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>What one run carries from node to node: who runs what, the pinned resolver, the redaction lease, outputs so far, uses to audit and its log.</summary>
internal sealed class RunState
{
    /// <summary>The workflow being run.</summary>
    public required WorkflowDefinition Workflow { get; init; }

    /// <summary>The request that started the run.</summary>
    public required RunRequest Request { get; init; }

    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The principal whose secrets the run resolves (the caller for manual runs, else the owner).</summary>
    public required string Principal { get; init; }

    /// <summary>Resolves the run's secrets (prefetched and pinned: one version per name for the whole run).</summary>
    public required SecretResolver Resolver { get; init; }

    /// <summary>Holds the run's values registered with the redactor while it runs.</summary>
    public required RedactionLease Lease { get; init; }

    /// <summary>The outputs of the nodes run so far, as <c>nodes.ID.output</c>.</summary>
    public JsonObject Outputs { get; } = [];

    /// <summary>Every use of a secret, audited in one transaction at the end of the run.</summary>
    public List<SecretUsage> Usages { get; } = [];

    /// <summary>The run's log, with its id and workflow as properties.</summary>
    public required ILogger Log { get; init; }
}
