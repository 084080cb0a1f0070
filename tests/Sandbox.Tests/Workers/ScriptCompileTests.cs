using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Compiling in the compile worker: its budgets, and the compilation cache in memory and on disk. A worker killed from
/// outside is <see cref="CompileWorkerTests"/>' subject; each test here needs its own runner (its own cache, budget, or a
/// compile worker a bomb may end).
/// </summary>
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
        // The bomb never finishes compiling (a stack overflow after ~40 s at full depth): the time budget refuses it,
        // with the compile worker at 100% all along, so the test waits the budget out: 5 s here, not the default 20 s.
        // The budget starts once the (new) worker is ready, and the next script's compile must beat it too: at load 18
        // on two cores the first compile on a fresh worker took 73-123 ms, 40x inside it.
        using var runner = new ScriptRunner(new ScriptRunnerOptions { CompileTimeout = TimeSpan.FromSeconds(5) });
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
}
