using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>Compiling in the compile worker, its budgets, and the compilation cache in memory and on disk.</summary>
public sealed class ScriptCompileTests : IDisposable
{
    private readonly TemporaryHome _home = new("script-cache-");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task A_compiled_script_is_kept_on_disk_owner_only_and_a_new_runner_skips_roslyn()
    {
        const string source = "return \"cached \" + context.Run.Node;";
        using (var first = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path }))
        {
            Assert.Equal("cached -", (await first.RunAsync(new ScriptRequest { Source = source })).Value!.GetValue<string>());
            Assert.Equal(1, first.Compiles);
        }

        var file = Path.Combine(_home.Path, ScriptCompiler.CacheKey(source) + ".dll");
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        using var second = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path });
        Assert.Equal("cached -", (await second.RunAsync(new ScriptRequest { Source = source })).Value!.GetValue<string>());
        Assert.Equal(0, second.Compiles);
    }

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
        foreach (var process in ProcessTree(pid))
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

    [Fact]
    public async Task A_tampered_cache_file_is_refused_and_the_script_compiled_again()
    {
        const string source = "return 42;";
        var file = Path.Combine(_home.Path, ScriptCompiler.CacheKey(source) + ".dll");
        await File.WriteAllBytesAsync(file, [0x4D, 0x5A, 1, 2, 3]);

        using var runner = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path });
        var result = await runner.RunAsync(new ScriptRequest { Source = source });

        Assert.Equal(42, result.Value!.GetValue<int>());
        Assert.Equal(1, runner.Compiles);
    }

    [Fact]
    public async Task A_nesting_bomb_is_refused_by_the_compiler_and_the_next_script_compiles()
    {
        using var runner = new ScriptRunner();
        var depth = (ScriptCompiler.MaxSourceLength - 20) / 2;
        var bomb = await runner.RunAsync(new ScriptRequest { Source = "return " + new string('(', depth) + "1" + new string(')', depth) + ";" });
        var next = await runner.RunAsync(new ScriptRequest { Source = "return 5;" });

        Assert.Equal(ScriptStatus.Rejected, bomb.Status);
        Assert.Equal(5, next.Value!.GetValue<int>());
    }

    [Fact]
    public async Task A_constant_folding_bomb_meets_the_compile_budget_not_the_host()
    {
        var lines = Enumerable.Range(1, 30).Select(i => $"const string c{i} = c{i - 1} + c{i - 1};").Prepend("const string c0 = \"0123456789abcdef\";");
        using var runner = new ScriptRunner(new ScriptRunnerOptions { CompileHeapBytes = 256L * 1024 * 1024, CompileTimeout = TimeSpan.FromSeconds(15) });
        var bomb = await runner.RunAsync(new ScriptRequest { Source = string.Join("\n", lines) + "\nreturn c30.Length;" });
        var next = await runner.RunAsync(new ScriptRequest { Source = "return 6;" });

        Assert.Equal(ScriptStatus.Rejected, bomb.Status);
        Assert.Equal(6, next.Value!.GetValue<int>());
    }

    [Fact]
    public async Task Library_code_the_guard_cannot_reach_is_killed_at_the_time_limit()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(1) } });
        var result = await runner.RunAsync(new ScriptRequest { Source = "return Enumerable.Repeat(1L, int.MaxValue).Concat(Enumerable.Repeat(1L, int.MaxValue)).Sum();" });

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: time"), (result.Status, result.Error));
        Assert.Equal(1, (await runner.RunAsync(new ScriptRequest { Source = "return 1;" })).Value!.GetValue<int>());
    }

    [Fact]
    public async Task Cpu_time_past_its_limit_ends_the_run_before_the_wall_time_limit()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(30), CpuTime = TimeSpan.FromMilliseconds(300) } });
        var result = await runner.RunAsync(new ScriptRequest { Source = "return Enumerable.Repeat(1L, int.MaxValue).Concat(Enumerable.Repeat(1L, int.MaxValue)).Sum();" });

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: cpu"), (result.Status, result.Error));
    }

    /// <summary>A process and its descendants, parents first (from /proc).</summary>
    private static List<int> ProcessTree(int pid) =>
        [pid, .. Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .SelectMany(child => ProcessTree(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture)))];

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int kill(int pid, int signal);
}
