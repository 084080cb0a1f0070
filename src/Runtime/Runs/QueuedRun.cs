using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Runs;

/// <summary>The state of a queued run, as <c>runs show</c> prints it: never a secret value.</summary>
internal sealed record QueuedRun
{
    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The workflow's name.</summary>
    public required string Workflow { get; init; }

    /// <summary>The workflow's project.</summary>
    public string? Project { get; init; }

    /// <summary>The user who started the run (the acting user, else the request's user).</summary>
    public string? StartedBy { get; init; }

    /// <summary>The user whose values the run reads (its personal secrets apply).</summary>
    public string? Principal { get; init; }

    /// <summary>What started the run.</summary>
    public RunTrigger Trigger { get; init; } = RunTrigger.Manual;

    /// <summary>The queue it was put on.</summary>
    public required string Queue { get; init; }

    /// <summary>Where it is.</summary>
    public required QueuedRunStatus Status { get; init; }

    /// <summary>When it was enqueued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it ended, if it has.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>True once someone asked to cancel it.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>The worker holding the lease, while running.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>When the current lease expires unless renewed, while running.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Every attempt, first first.</summary>
    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];

    /// <summary>The final record (masked), once the run succeeded or failed.</summary>
    public RunRecord? Record { get; init; }
}
