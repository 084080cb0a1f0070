namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>A worker's first line: it is warm and reads requests.</summary>
internal sealed record ReadyMessage : WorkerMessage;
