namespace Secrets.Runtime.Store.Listing;

/// <summary>One use of a secret by a node of a run: which workflow and run, when, which version, for whom. Never a value.</summary>
/// <param name="At">When the run recorded it.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="RunId">The run.</param>
/// <param name="NodeId">The node that used it.</param>
/// <param name="Version">The version used.</param>
/// <param name="UserId">Whom the run resolved secrets for.</param>
public sealed record SecretUse(DateTimeOffset At, string? Workflow, string RunId, string NodeId, int Version, string UserId);
