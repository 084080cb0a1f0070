namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>/healthz</c> and <c>/readyz</c>.</summary>
/// <param name="Status"><c>ok</c> or <c>ready</c>.</param>
public sealed record HealthStatus(string Status);
