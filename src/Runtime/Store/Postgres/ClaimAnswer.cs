using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>What a claim got: the run, or why not (with the other lease's expiry).</summary>
internal sealed record ClaimAnswer(RunClaim? Claim, ClaimRefusal? Refusal, DateTimeOffset? LeasedUntil);
