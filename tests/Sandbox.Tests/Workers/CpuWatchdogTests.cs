using System.Diagnostics;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The run's CPU watchdog against a plain process in a loop: it kills it once the loop passes the limit, from the
/// process's CPU clock, or from /proc/PID/stat's tick counts when that clock cannot be read (it must not go blind).
/// </summary>
public sealed class CpuWatchdogTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_loop_is_killed_once_it_passes_the_cpu_limit(bool processClock)
    {
        using var worker = WorkerProcess.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        if (!processClock)
        {
            worker.ProcessClock = _ => null;
        }

        using (var watchdog = new CpuWatchdog(worker, TimeSpan.FromMilliseconds(300)))
        {
            var waited = Stopwatch.StartNew();
            while (!watchdog.Tripped && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }

            Assert.True(watchdog.Tripped);
        }

        var exited = Stopwatch.StartNew();
        while (!worker.HasExited && exited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        Assert.True(worker.HasExited);
    }

    [Fact]
    public void The_tick_count_of_a_process_grows_with_the_cpu_it_burns()
    {
        Span<byte> buffer = stackalloc byte[1024];
        var before = WorkerProcess.StatTime(Environment.ProcessId, buffer);
        var spin = Stopwatch.StartNew();
        var thread = CpuClock.Thread();
        while (CpuClock.Thread() - thread < TimeSpan.FromMilliseconds(200) && spin.Elapsed < TimeSpan.FromMinutes(1))
        {
        }

        var after = WorkerProcess.StatTime(Environment.ProcessId, buffer);
        Assert.True(after - before >= TimeSpan.FromMilliseconds(150), $"{before} → {after}");
    }
}
