using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The compile worker's life: killed from outside while idle or while it compiles, or started from a thread that has
/// since ended, it is replaced (or kept) and scripts still compile. Each test kills or watches the compile worker of a
/// runner of its own.
/// </summary>
public sealed class CompileWorkerTests
{
    [Fact]
    public async Task A_compile_worker_killed_while_it_waits_for_work_is_replaced_and_the_next_script_compiles()
    {
        using var runner = new ScriptRunner();
        Assert.True((await runner.CompileOnlyAsync("return 1;")).Succeeded);
        var pid = Assert.NotNull(runner.CompileWorkerProcessId);

        // Killed from outside while idle (an OOM killer, an operator): nothing of the next script was sent to it.
        using (var process = System.Diagnostics.Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var next = await runner.CompileOnlyAsync("return 2;");

        Assert.True(next.Succeeded, string.Join("; ", next.Diagnostics.Select(d => d.Message)));
        Assert.NotEqual(pid, runner.CompileWorkerProcessId);
    }

    [Fact]
    public async Task A_worker_started_on_a_thread_that_has_since_ended_keeps_running()
    {
        // bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which follows the thread that forked bubblewrap, not the
        // host process: a worker forked from a thread-pool thread was SIGKILLed, without a word, when the pool retired
        // that thread. Here the thread that starts the compile worker ends before the worker is used.
        using var runner = new ScriptRunner();
        string? thread = null;
        var starter = new Thread(() =>
        {
            thread = File.ResolveLinkTarget("/proc/thread-self", returnFinalTarget: false)!.ToString();
            runner.Prewarm();
        });
        starter.Start();
        starter.Join();
        var pid = Assert.NotNull(runner.CompileWorkerProcessId);
        Assert.NotNull(thread);
        var task = Path.Combine("/proc", thread);
        for (var waited = 0; Directory.Exists(task) && waited < 200; waited++)
        {
            await Task.Delay(50);
        }

        Assert.False(Directory.Exists(task), "the starting thread did not end");

        var result = await runner.CompileOnlyAsync("return 3;");

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics.Select(d => d.Message)));
        Assert.Equal(pid, runner.CompileWorkerProcessId);
    }

    [Fact]
    public async Task A_compile_worker_killed_from_outside_while_it_compiles_is_replaced_and_the_script_compiles_on_the_new_one()
    {
        using var runner = new ScriptRunner();
        Assert.True((await runner.CompileOnlyAsync("return 1;")).Succeeded);
        var pid = Assert.NotNull(runner.CompileWorkerProcessId);

        // The worker's processes are stopped first, so it cannot answer before the kill lands however busy the machine
        // is: the script reaches its pipe (or the send finds it gone), the worker ends without a word, and the script
        // goes to a new one.
        foreach (var process in ProcessTree.Of(pid))
        {
            _ = kill(process, 19); // SIGSTOP
        }

        var compile = runner.CompileOnlyAsync("var v = \"slow\".Length;\nreturn v;");
        await Task.Delay(100);
        using (var process = System.Diagnostics.Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
        }

        var result = await compile;

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics.Select(d => d.Message)));
        Assert.NotEqual(pid, runner.CompileWorkerProcessId);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int kill(int pid, int signal);
}
