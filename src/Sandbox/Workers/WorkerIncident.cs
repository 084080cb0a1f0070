namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>An idle worker was killed instead of reused: the run that left work behind, and what the operating system saw.</summary>
/// <param name="RunId">The run the worker served last.</param>
/// <param name="Reason">What was seen, without any value.</param>
internal sealed record WorkerIncident(string RunId, string Reason);
