namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>The limits a worker applies to one run itself (the host enforces them again from outside).</summary>
/// <param name="Timeout">The guard's time budget.</param>
/// <param name="MaxLogChars">The most <c>context.Log</c> text.</param>
/// <param name="MaxResultChars">The longest serialized return value.</param>
internal sealed record RunLimits(TimeSpan Timeout, int MaxLogChars, int MaxResultChars);
