namespace Secrets.Runtime.Server.Contracts;

/// <summary>One run in <c>GET /api/v1/runs</c>.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="Principal">Whose secrets it used.</param>
/// <param name="Status">succeeded, failed, …</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Nodes">How many nodes it had.</param>
public sealed record RunSummary(string Id, string Workflow, string Trigger, string Principal, string Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Nodes);
