using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Workflows.Records;

/// <summary>The history of one workflow run, safe to store and show: nothing in it holds a secret value.</summary>
public sealed record RunRecord
{
    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The workflow's name.</summary>
    public required string Workflow { get; init; }

    /// <summary>The workflow file, if the run came from one.</summary>
    public string? WorkflowFile { get; init; }

    /// <summary>The workflow's project (its admins may list and show the run); null on records older than this field.</summary>
    public string? Project { get; init; }

    /// <summary>
    /// The user who started the run: the caller of a server's run endpoint (also for a stored workflow's api trigger,
    /// whose <see cref="Principal"/> is the owner), the acting OS user of a CLI run. Null on records older than this field.
    /// </summary>
    public string? StartedBy { get; init; }

    /// <summary>What started the run.</summary>
    public required RunTrigger Trigger { get; init; }

    /// <summary>The user whose personal secrets applied.</summary>
    public required string Principal { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Succeeded when every node succeeded; otherwise Failed.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>One record per node, in workflow order.</summary>
    public IReadOnlyList<NodeRecord> Nodes { get; init; } = [];

    /// <summary>Where each secret the run used came from; never a value.</summary>
    public IReadOnlyList<SecretSourceRecord> Secrets { get; init; } = [];
}
