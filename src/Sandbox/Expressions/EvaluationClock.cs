using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>The clocks the time limit reads: a wall-clock timestamp and the CPU time of the calling thread (a seam for tests).</summary>
/// <param name="WallTimestamp">A monotonic timestamp, in units of <paramref name="WallFrequency"/> per second.</param>
/// <param name="WallFrequency">Timestamp units per second.</param>
/// <param name="ThreadCpuTime">CPU time the calling thread has used.</param>
internal sealed record EvaluationClock(Func<long> WallTimestamp, long WallFrequency, Func<TimeSpan> ThreadCpuTime)
{
    /// <summary>The process's clocks: <see cref="Stopwatch"/> and the thread's CPU clock (wall time where the platform has none).</summary>
    public static EvaluationClock System { get; } = new(Stopwatch.GetTimestamp, Stopwatch.Frequency, ThreadCpuClock.Now);
}

/// <summary>Reads the calling thread's CPU time (Linux: <c>CLOCK_THREAD_CPUTIME_ID</c>); elsewhere, elapsed wall time.</summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static TimeSpan Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var spec) == 0)
        {
            return TimeSpan.FromTicks((spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / 100));
        }

        return Stopwatch.GetElapsedTime(0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clockId, out TimeSpec spec);
}
