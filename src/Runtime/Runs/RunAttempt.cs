using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Runs;

/// <summary>One attempt at a queued run: which worker held the lease, how it ended, and the nodes it ran.</summary>
internal sealed record RunAttempt
{
    /// <summary>1 for the first attempt, 2 for the one that took over after it, and so on.</summary>
    public required int Number { get; init; }

    /// <summary>The worker that held the lease.</summary>
    public required string Worker { get; init; }

    /// <summary>When the worker claimed the run.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the attempt ended; null while it runs.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>
    /// <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>lease_expired</c> (the worker stopped
    /// renewing: killed or cut off) or <c>retry</c> (an infrastructure error; the run went back on the queue).
    /// </summary>
    public required string Outcome { get; init; }

    /// <summary>The stable code of the error that ended the attempt, if any (never a message).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The node records of this attempt (masked), in the order they finished.</summary>
    public IReadOnlyList<NodeRecord> Nodes { get; init; } = [];
}
