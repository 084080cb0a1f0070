using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Contracts;

/// <summary>One attempt at a queued run: the worker that held it and how it ended; never a value.</summary>
/// <param name="Number">1 for the first attempt, 2 for the one that took over after it, and so on.</param>
/// <param name="Worker">The worker that held the run's lease.</param>
/// <param name="StartedAt">When the worker claimed the run.</param>
/// <param name="EndedAt">When the attempt ended; null while it runs.</param>
/// <param name="Outcome"><c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>lease_expired</c> or <c>retry</c>.</param>
/// <param name="ErrorCode">The stable code of the error that ended it, if any.</param>
/// <param name="Nodes">The masked records of the nodes it ran.</param>
public sealed record RunAttemptInfo(int Number, string Worker, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string Outcome, string? ErrorCode, IReadOnlyList<NodeRecord> Nodes);
