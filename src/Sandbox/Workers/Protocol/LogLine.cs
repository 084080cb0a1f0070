namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Worker to host: one <c>context.Log</c> line, sent as it is written.</summary>
/// <param name="Text">The line (the host counts and masks it).</param>
internal sealed record LogLine(string Text) : WorkerMessage;
