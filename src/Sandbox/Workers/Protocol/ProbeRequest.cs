namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Host to a fresh execution worker: report what it can see and reach (for <c>doctor</c> and the isolation tests).</summary>
/// <param name="Paths">Paths whose existence to report.</param>
/// <param name="Port">A host TCP port to try to connect to, or null.</param>
internal sealed record ProbeRequest(IReadOnlyList<string> Paths, int? Port) : WorkerMessage;
