namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>Limits of one script run; every value must be positive (0 never means unlimited).</summary>
public sealed record ScriptLimits
{
    /// <summary>Wall time, worker start included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The worker's GC heap hard limit. Default 256 MB.</summary>
    public long MaxHeapBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The largest response (result and logs), in bytes. Default 1 MB.</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Throws when a limit is not positive.</summary>
    public ScriptLimits Validate()
    {
        if (Timeout <= TimeSpan.Zero || MaxHeapBytes < 16L * 1024 * 1024 || MaxOutputBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), "ScriptLimits: Timeout and MaxOutputBytes must be positive, MaxHeapBytes at least 16 MB");
        }

        return this;
    }
}
