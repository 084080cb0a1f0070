using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Secrets.Runtime.Sandbox;

/// <summary>
/// The kernel's CPU clocks (Linux <c>clock_gettime</c>), precise to the nanosecond: the calling thread's, and a whole
/// process's, which keeps the time of its threads that have ended.
/// </summary>
internal static class CpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>CPUCLOCK_SCHED: the scheduler's runtime, the precise one of a process clock's three kinds.</summary>
    private const int ProcessClockSched = 2;

    /// <summary>The calling thread's CPU time; elsewhere than Linux, elapsed wall time.</summary>
    public static TimeSpan Thread()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var spec) == 0)
        {
            return spec.Time;
        }

        return Stopwatch.GetElapsedTime(0);
    }

    /// <summary>
    /// CPU time process <paramref name="pid"/> has used, every thread it ever had included; null when it cannot be read
    /// (not Linux, or no such process any more). Any process may read another's process clock.
    /// </summary>
    public static TimeSpan? Process(int pid)
    {
        // Linux's MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED).
        var clock = (~pid << 3) | ProcessClockSched;
        return OperatingSystem.IsLinux() && ClockGetTime(clock, out var spec) == 0 ? spec.Time : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;

        public readonly TimeSpan Time => TimeSpan.FromTicks((Seconds * TimeSpan.TicksPerSecond) + (Nanoseconds / 100));
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clockId, out TimeSpec spec);
}
