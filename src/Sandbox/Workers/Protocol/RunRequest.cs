namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Host to execution worker: run the image cached under <paramref name="Key"/> (sent along the first time).</summary>
/// <param name="Key">The compile cache key of the image.</param>
/// <param name="Image">The image, when this worker has not loaded it yet.</param>
/// <param name="Context">The node's context.</param>
/// <param name="Limits">The run's limits.</param>
internal sealed record RunRequest(string Key, byte[]? Image, RunContext Context, RunLimits Limits) : WorkerMessage;
