namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>Limits of one script run; every value must be positive (0 never means unlimited).</summary>
public sealed record ScriptLimits
{
    /// <summary>Wall time of the run (a cold worker's start-up is not counted). Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>CPU time of the run, checked by the host every 50 ms. Default 10 s.</summary>
    public TimeSpan CpuTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The worker's GC heap hard limit. Default 256 MB.</summary>
    public long MaxHeapBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The most <c>context.Log</c> text a run may write, in characters. Default 64 K.</summary>
    public int MaxOutputBytes { get; init; } = 64 * 1024;

    /// <summary>The largest return value, as JSON text, in characters. Default 1 M.</summary>
    public int MaxResultBytes { get; init; } = 1024 * 1024;

    /// <summary>How many <c>context.Http</c> calls a run may make. Default 20.</summary>
    public int MaxHttpCalls { get; init; } = 20;

    /// <summary>The largest <c>context.Http</c> response body, in bytes. Default 1 MB.</summary>
    public int MaxHttpResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Throws when a limit is out of range, listing every such limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range; the message names every one.</exception>
    public ScriptLimits Validate()
    {
        var problems = new List<string>();
        Check(problems, Timeout > TimeSpan.Zero, nameof(Timeout), "positive");
        Check(problems, CpuTime > TimeSpan.Zero, nameof(CpuTime), "positive");
        Check(problems, MaxHeapBytes >= 16L * 1024 * 1024, nameof(MaxHeapBytes), "at least 16 MB");
        Check(problems, MaxOutputBytes > 0, nameof(MaxOutputBytes), "positive");
        Check(problems, MaxResultBytes > 0, nameof(MaxResultBytes), "positive");
        Check(problems, MaxHttpCalls >= 0, nameof(MaxHttpCalls), "zero or more");
        Check(problems, MaxHttpResponseBytes > 0, nameof(MaxHttpResponseBytes), "positive");
        return problems.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(ScriptLimits), "ScriptLimits: " + string.Join("; ", problems));
    }

    private static void Check(List<string> problems, bool ok, string name, string rule)
    {
        if (!ok)
        {
            problems.Add(name + " must be " + rule);
        }
    }
}
