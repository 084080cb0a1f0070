namespace Secrets.Runtime.Server.Contracts;

/// <summary>One read of a secret by a node of a run.</summary>
/// <param name="At">When.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="RunId">The run.</param>
/// <param name="Node">The node.</param>
/// <param name="Version">The version read.</param>
/// <param name="User">Whom the run resolved secrets for.</param>
public sealed record SecretRunUse(DateTimeOffset At, string? Workflow, string RunId, string Node, int Version, string User);
