using System.Diagnostics;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>The clocks the time limit reads: a wall-clock timestamp and the CPU time of the calling thread (a seam for tests).</summary>
/// <param name="WallTimestamp">A monotonic timestamp, in units of <paramref name="WallFrequency"/> per second.</param>
/// <param name="WallFrequency">Timestamp units per second.</param>
/// <param name="ThreadCpuTime">CPU time the calling thread has used.</param>
internal sealed record EvaluationClock(Func<long> WallTimestamp, long WallFrequency, Func<TimeSpan> ThreadCpuTime)
{
    /// <summary>The process's clocks: <see cref="Stopwatch"/> and the thread's CPU clock (wall time where the platform has none).</summary>
    public static EvaluationClock System { get; } = new(Stopwatch.GetTimestamp, Stopwatch.Frequency, CpuClock.Thread);
}
