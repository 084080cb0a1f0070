namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Host to compile worker: compile and check one script.</summary>
/// <param name="Source">The script.</param>
internal sealed record CompileRequest(string Source) : WorkerMessage;
