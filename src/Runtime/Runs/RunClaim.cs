namespace Secrets.Runtime.Runs;

/// <summary>A run a worker has just leased: the attempt number and what to execute.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Attempt">The attempt this lease is for (1 the first time).</param>
/// <param name="Workflow">The workflow JSON as enqueued (code node files already inlined).</param>
/// <param name="Request">The run request as enqueued (JSON; no secret values).</param>
internal sealed record RunClaim(string RunId, int Attempt, string Workflow, string Request);
