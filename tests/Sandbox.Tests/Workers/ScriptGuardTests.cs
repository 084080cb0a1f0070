using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The guards injected at compile time: runaway code ends with a named limit reported by the worker itself (its logs
/// come back, which a killed worker's never do), even when the script catches every exception.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class ScriptGuardTests(ScriptRunnerFixture workers)
{
    // Loops meet the time limit, so it is short; recursion meets the stack guard long before its (generous) limit,
    // which a run waits out only if the guard failed. At load 17-40 on two cores a 10 s limit was seen to run out first
    // (a worker then has a twentieth of a core to load the image, JIT and unwind a few thousand frames).
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);

    private Task<ScriptResult> Run(string source, TimeSpan? timeout = null) =>
        workers.RunAsync(new ScriptRequest { Source = "context.Log(\"started\");\n" + source }, timeout ?? Short);

    [Theory]
    [InlineData("while (true) { }")]
    [InlineData("for (;;) { try { for (;;) { } } catch (Exception) { } }")]
    [InlineData("while (true) { try { while (true) { } } catch { } }")]
    [InlineData("again: try { goto again; } catch { }")]
    [InlineData("try { throw new InvalidOperationException(); } finally { while (true) { } }")]
    [InlineData("do { try { do { } while (true); } catch (Exception e) when (e is not null) { } } while (true);")]
    [InlineData("foreach (var i in Enumerable.Repeat(1, int.MaxValue)) { try { } finally { } }")]
    [InlineData("async Task Spin() { while (true) { await Task.Delay(1); } } await Spin();")]
    [InlineData("var n = 0; try { while (true) { n++; } } catch { return n; } return -1;")]
    public async Task Runaway_loops_end_with_the_time_limit_even_when_the_script_catches(string source)
    {
        var result = await Run(source);

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: time"), (result.Status, result.Error));
        Assert.Equal(["started"], result.Logs);
    }

    [Theory]
    [InlineData("int Down(int n) => Down(n + 1) + 1; return Down(0);")]
    [InlineData("int Down(int n) { try { return Down(n + 1); } catch { return 0; } } return Down(0);")]
    [InlineData("Func<int, int> f = null!; f = n => f(n + 1) + 1; return f(0);")]
    [InlineData("Func<int, int> f = null!; f = delegate (int n) { return f(n + 1) + 1; }; return f(0);")]
    [InlineData("class Loop { public int P => P + 1; } return new Loop().P;")]
    [InlineData("class Loop { public int this[int i] => this[i + 1] + 1; } return new Loop()[0];")]
    [InlineData("class Loop { public Loop() { new Loop(); } } return new Loop();")]
    [InlineData("record R(int X) { public static R operator +(R a, R b) => new R((a + b).X + 1); } return new R(1) + new R(2);")]
    [InlineData("bool Even(int n) => n == 0 || !Odd(n + 1); bool Odd(int n) => n != 0 && !Even(n + 1); return Even(2);")]
    [InlineData("Func<int, int> f = null!; f = n => Math.Max(f(n + 1), 0); return f(0);")]
    public async Task Runaway_recursion_ends_with_the_stack_limit_not_a_crash(string source)
    {
        var result = await Run(source, Patient);

        Assert.True((ScriptStatus.Limited, "limit exceeded: stack") == (result.Status, result.Error), $"{result.Status} {result.Error} {string.Join("|", result.Logs)}");
        Assert.Equal(["started"], result.Logs);
    }

    [Fact]
    public async Task Work_left_running_after_the_script_returns_is_a_limit_and_the_worker_is_not_reused()
    {
        // The collection's runner: a tenant no other test uses starts with no idle workers.
        var runner = workers.Runner;
        var tenant = "bg-" + Guid.NewGuid().ToString("N");
        var result = await runner.RunAsync(new ScriptRequest
        {
            Source = "async Task Spin() { while (true) { await Task.Delay(20); } } _ = Spin(); return 1;",
            Tenant = tenant,
        });

        Assert.Equal(ScriptStatus.Limited, result.Status);
        Assert.StartsWith("limit exceeded: background work", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, runner.IdleWorkers(tenant));
        Assert.Equal(2, (await runner.RunAsync(new ScriptRequest { Source = "return 2;", Tenant = tenant })).Value!.GetValue<int>());
    }

    // Library code runs unguarded (the guard is injected into the script only): the time limit and the CPU watchdog end it.
    [Fact]
    public async Task Library_code_the_guard_cannot_reach_is_killed_at_the_time_limit()
    {
        var result = await workers.RunAsync(new ScriptRequest { Source = "return Enumerable.Repeat(1L, int.MaxValue).Concat(Enumerable.Repeat(1L, int.MaxValue)).Sum();" }, Short);

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: time"), (result.Status, result.Error));
        Assert.Equal(1, (await workers.RunAsync(new ScriptRequest { Source = "return 1;" }, Short)).Value!.GetValue<int>());
    }

    [Fact]
    public async Task Cpu_time_past_its_limit_ends_the_run_before_the_wall_time_limit()
    {
        var result = await workers.Runner.RunAsync(new ScriptRequest
        {
            Source = "return Enumerable.Repeat(1L, int.MaxValue).Concat(Enumerable.Repeat(1L, int.MaxValue)).Sum();",
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(30), CpuTime = TimeSpan.FromMilliseconds(300) },
        });

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: cpu"), (result.Status, result.Error));
    }

    [Theory]
    [InlineData("return Enumerable.Range(0, 5).Select(i => i * i).Where(i => i > 3).Sum();", "29")]
    [InlineData("var total = 0; for (var i = 0; i < 100_000; i++) { total += i % 7; } return total;", "299995")]
    [InlineData("IEnumerable<int> Odd() { for (var i = 1; ; i += 2) yield return i; } return Odd().Take(3).Sum();", "9")]
    [InlineData("var n = 0; try { throw new FormatException(\"x\"); } catch (FormatException) when (n == 0) { n = 1; } catch { n = 2; } return n;", "1")]
    [InlineData("class Acc { int _v; public int V { get => _v; set => _v = value * 2; } public int Twice => V * 2; } var a = new Acc { V = 3 }; return a.Twice;", "12")]
    [InlineData("Action<List<int>> add = l => l.Add(1); var list = new List<int>(); add(list); add(list); return list.Count;", "2")]
    [InlineData("async Task Wait() => await Task.Delay(1); await Wait(); return 3;", "3")]
    [InlineData("var i = 0; loop: i++; if (i < 10) goto loop; return i;", "10")]
    [InlineData("record P(int X, int Y) { public int Sum => X + Y; } return new P(2, 3) with { Y = 4 } is { Sum: 6 } p ? p.ToString() : \"no\";", "\"P { X = 2, Y = 4, Sum = 6 }\"")]
    [InlineData("Func<int> boom = () => throw new FormatException(\"x\"); int Fail() => throw new FormatException(\"y\"); try { return boom(); } catch (FormatException) { } try { return Fail(); } catch (FormatException e) { return e.Message; }", "\"y\"")]
    [InlineData("Func<int, int> abs = x => Math.Abs(x); Func<int, int> inc = x => x++; Action<int[]> set = a => a[0] = 5; var arr = new int[1]; set(arr); return abs(-2) + inc(1) + arr[0];", "8")]
    [InlineData("async Task<int> Two() => await Task.FromResult(2); async ValueTask Pause() => await Task.Delay(1); async Task Nap() => await Pause(); await Nap(); return await Two();", "2")]
    [InlineData("class C { public int P => throw new FormatException(); public int Q { get => throw new FormatException(); } } try { return new C().P; } catch (FormatException) { return 4; }", "4")]
    public async Task Guarded_scripts_still_compute_the_same_results(string source, string expected)
    {
        var result = await Run(source);

        Assert.True(result.Status == ScriptStatus.Ok, result.Error + string.Join("; ", result.Diagnostics));
        Assert.Equal(expected, result.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("using Later = System.Threading.Tasks.Task<int>;\nasync Later Two() => await Task.FromResult(2);\nreturn await Two();", "2")]
    [InlineData("using Done = System.Threading.Tasks.Task;\nasync Done Nap() => await Task.Delay(1);\nawait Nap();\nreturn 5;", "5")]
    public async Task An_alias_for_Task_is_resolved_by_the_compiler_not_guessed(string source, string expected)
    {
        var result = await workers.RunAsync(new ScriptRequest { Source = source }, Short);

        Assert.True(result.Status == ScriptStatus.Ok, result.Error + string.Join("; ", result.Diagnostics));
        Assert.Equal(expected, result.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("Secrets.Runtime.Sandbox.CSharp.ScriptGuard.CanCatch()")]
    [InlineData("new Secrets.Runtime.Sandbox.CSharp.ScriptLimitException(\"x\")")]
    public void Scripts_cannot_reach_the_guard_themselves(string expression)
    {
        var result = new ScriptCompiler().Compile($"return {expression};");

        Assert.False(result.Succeeded);
        Assert.StartsWith("SR", result.Diagnostics[0].Code, StringComparison.Ordinal);
    }
}
