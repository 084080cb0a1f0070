using System.Diagnostics;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The two rules that judge an idle worker from /proc, each on its own, against plain processes: a process that waits
/// on its pipe is quiet; a loop that began too late for the CPU-share rule is caught by the runnable-thread rule; one
/// that ran the whole idle time is caught by the share rule, and so is CPU burnt in threads that ended before the look.
/// </summary>
public sealed class WorkerIdleActivityTests
{
    private static readonly TimeSpan NoShareLimit = TimeSpan.FromHours(1);

    private static WorkerProcess Start(string script) => Start("/bin/sh", "-c", script);

    private static WorkerProcess Start(string program, params string[] arguments) =>
        WorkerProcess.Start(new ProcessStartInfo(program, arguments)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });

    [Fact]
    public async Task A_process_waiting_on_its_pipe_is_quiet()
    {
        using var worker = Start("read line");
        worker.MarkIdle("run-quiet");
        await Task.Delay(200);

        Assert.Null(await worker.IdleActivityAsync(TimeSpan.FromMilliseconds(20), 0.25));
    }

    [Fact]
    public async Task A_loop_that_starts_after_the_worker_went_idle_is_caught_by_its_runnable_thread_alone()
    {
        // The share rule is switched off (an hour of CPU allowed), so only the runnable-thread rule can see the loop.
        using var worker = Start("sleep 0.2; echo looping; while :; do :; done");
        worker.MarkIdle("run-late-loop");
        Assert.Equal("looping", await worker.ReadLineAsync(100, CancellationToken.None));

        var activity = await worker.IdleActivityAsync(NoShareLimit, 0);

        Assert.NotNull(activity);
        Assert.Contains("thread of it", activity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thread_that_stays_runnable_without_getting_a_cpu_is_judged_busy_at_the_bound()
    {
        // A machine too starved to tell a loop from a thread waiting its turn, made on purpose: a CPU cgroup gives the
        // loop 1 ms of CPU a second, so its thread stays runnable while it gains less than the 2 ms that would show
        // a loop. The rule must fail closed when its watch runs out, not call the worker quiet.
        const string controller = "/sys/fs/cgroup/cpu";
        Assert.True(Directory.Exists(controller), $"this test needs the cgroup v1 CPU controller at {controller} (it starves a process on purpose)");
        var group = Directory.CreateDirectory(Path.Combine(controller, $"idle-activity-test-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(group, "cpu.cfs_period_us"), "1000000");
            await File.WriteAllTextAsync(Path.Combine(group, "cpu.cfs_quota_us"), "1000");
            using var worker = Start("read go; echo looping; while :; do :; done");
            await File.WriteAllTextAsync(Path.Combine(group, "cgroup.procs"), worker.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            worker.MarkIdle("run-starved");
            await worker.SendAsync("go", CancellationToken.None);
            Assert.Equal("looping", await worker.ReadLineAsync(100, CancellationToken.None));

            // Let the loop use up its quota, so what is left of this period is spent runnable without a CPU.
            await Task.Delay(50);
            var activity = await worker.IdleActivityAsync(NoShareLimit, 0);

            Assert.NotNull(activity);
            Assert.Contains("stayed runnable", activity, StringComparison.Ordinal);
        }
        finally
        {
            // The group can go once its process has: the worker was killed when disposed.
            for (var attempt = 0; attempt < 50 && Directory.Exists(group); attempt++)
            {
                try
                {
                    Directory.Delete(group);
                }
                catch (IOException)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    [Fact]
    public async Task A_loop_left_running_the_whole_idle_time_is_caught()
    {
        using var worker = Start("while :; do :; done");
        worker.MarkIdle("run-loop");
        await Task.Delay(300);

        var activity = await worker.IdleActivityAsync(TimeSpan.FromMilliseconds(20), 0.25);

        Assert.NotNull(activity);
        Assert.EndsWith("it was idle", activity, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cpu_burnt_in_threads_that_ended_before_the_look_still_counts(bool processClock)
    {
        // The compromised worker (the breach probe, a .NET program speaking the protocol) answers a run, then burns
        // 500 ms of CPU in threads of a millisecond each, one at a time, and goes quiet. At the look no thread of that
        // work is alive or runnable, and no live thread's schedstat holds its time: only the process clocks keep it.
        // Without the process clock (one that cannot be read), the tick counts of /proc/PID/stat keep it too.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var worker = Start("dotnet", Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll"));
        if (!processClock)
        {
            worker.ProcessClock = _ => null;
        }

        Assert.Equal("{\"type\":\"ready\"}", await worker.ReadLineAsync(100, cancel.Token));

        // A first run warms the probe's own path, so what its live threads use after the mark is the churn's bookkeeping.
        await worker.SendAsync("{\"context\":{\"inputJson\":\"{}\"}}", cancel.Token);
        Assert.Contains("\"result\"", await worker.ReadLineAsync(1024, cancel.Token), StringComparison.Ordinal);
        worker.MarkIdle("run-churn");
        await worker.SendAsync("{\"context\":{\"inputJson\":\"{\\\"churn\\\":500}\"}}", cancel.Token);
        Assert.Contains("\"result\"", await worker.ReadLineAsync(1024, cancel.Token), StringComparison.Ordinal);
        Assert.Contains("churned in", await worker.ReadLineAsync(1024, cancel.Token), StringComparison.Ordinal);

        // Half the churn as the floor, no share: the live threads alone stay under it; the whole processes do not.
        var activity = await worker.IdleActivityAsync(TimeSpan.FromMilliseconds(250), 0);

        Assert.NotNull(activity);
        Assert.EndsWith("it was idle", activity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_with_nothing_runnable_after_a_burst_is_quiet_again()
    {
        // A short burst after going idle (as the runtime's background compilation does), then the pipe again.
        using var worker = Start("i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; echo waiting; read line");
        worker.MarkIdle("run-burst");
        Assert.Equal("waiting", await worker.ReadLineAsync(100, CancellationToken.None));
        await Task.Delay(100);

        Assert.Null(await worker.IdleActivityAsync(NoShareLimit, 0));
    }
}
