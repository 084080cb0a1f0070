using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Work a script leaves running after it returns is found whatever it is doing at the instant the worker looks. The
/// old check looked at timers, queued work and script threads one after another, and a short-period loop whose timer
/// fired between the looks escaped it (1 run in 6 at load 50). An unfinished async body is now counted from its first
/// statement to its completion, so these loops can never look finished. Each period runs as its own case, so the
/// check is made many times at many phases of the loop.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class BackgroundWorkDetectionTests(ScriptRunnerFixture workers)
{
    private Task<ScriptResult> Run(string source) =>
        workers.RunAsync(new ScriptRequest { Source = "context.Log(\"started\");\n" + source }, TimeSpan.FromSeconds(5));

    public static TheoryData<string> ShortPeriodLoops()
    {
        var data = new TheoryData<string>();
        foreach (var period in Enumerable.Range(1, 20))
        {
            data.Add($"async Task Loop() {{ while (true) {{ await Task.Delay({period}); }} }}\n_ = Loop();\nreturn 1;");
        }

        // The same loop in every kind of async body, and a chain that re-arms itself instead of looping.
        data.Add("Func<Task> loop = async () => { while (true) { await Task.Delay(3); } };\n_ = loop();\nreturn 1;");
        data.Add("Func<int, Task> loop = async n => { for (;;) { await Task.Delay(n); } };\n_ = loop(2);\nreturn 1;");
        data.Add("Func<Task> loop = async delegate { do { await Task.Delay(4); } while (true); };\n_ = loop();\nreturn 1;");
        data.Add("async Task Again(int n) { await Task.Delay(n); _ = Again(n); }\n_ = Again(5);\nreturn 1;");
        data.Add("async Task Again() { await Task.Delay(1); await Again(); }\n_ = Again();\nreturn 1;");
        data.Add("async ValueTask Spin() { while (true) { await Task.Delay(6); } }\n_ = Spin();\nreturn 1;");
        data.Add("class Poller { public async Task RunAsync() { while (true) { await Task.Delay(7); } } }\n_ = new Poller().RunAsync();\nreturn 1;");
        data.Add("async Task<int> Forever(int n) { while (n > 0) { await Task.Delay(n); } return n; }\nasync Task Wait() { await Forever(3); }\n_ = Wait();\nreturn 1;");
        return data;
    }

    [Theory]
    [MemberData(nameof(ShortPeriodLoops))]
    public async Task A_short_period_loop_left_running_is_always_background_work(string source)
    {
        var result = await Run(source);

        Assert.True((ScriptStatus.Limited, LimitKind.BackgroundWork) == (result.Status, result.Limit), $"{result.Status} {result.Limit} {result.Error}");
        Assert.Equal("code.limit.background_work", result.Code);
        Assert.Equal(["started"], result.Logs);
    }

    [Theory]
    [InlineData("async Task Spin() { while (true) { await Task.Yield(); } }\n_ = Spin();\nreturn 1;")]
    [InlineData("async IAsyncEnumerable<int> Ticks() { while (true) { await Task.Delay(2); yield return 1; } }\nvar e = Ticks().GetAsyncEnumerator();\n_ = e.MoveNextAsync();\nreturn 1;")]
    [InlineData("async IAsyncEnumerable<int> Ticks() { while (true) { await Task.Yield(); yield return 1; } }\nasync Task Drain() { await foreach (var t in Ticks()) { } }\n_ = Drain();\nreturn 1;")]
    [InlineData("async IAsyncEnumerable<int> Ticks() { while (true) { await Task.Delay(3); yield return 1; } }\nFunc<Task> drain = async () => { await foreach (var t in Ticks()) { await Task.Yield(); } };\n_ = drain();\nreturn 1;")]
    public async Task Task_yield_loops_and_async_iterators_left_running_are_background_work(string source)
    {
        var result = await Run(source);

        Assert.True((ScriptStatus.Limited, LimitKind.BackgroundWork) == (result.Status, result.Limit), $"{result.Status} {result.Limit} {result.Error}");
        Assert.Equal("code.limit.background_work", result.Code);
        Assert.Equal(["started"], result.Logs);
    }

    [Fact]
    public async Task An_async_iterator_that_yields_is_not_background_work_when_enumerated_to_the_end()
    {
        var result = await Run("""
            async IAsyncEnumerable<int> Ticks(int n) { for (var i = 0; i < n; i++) { await Task.Yield(); await Task.Delay(1); yield return i; } }
            var count = 0;
            await foreach (var t in Ticks(5)) { count += t; }
            return count;
            """);

        Assert.True(result.Status == ScriptStatus.Ok, $"{result.Status} {result.Limit} {result.Error}");
        Assert.Equal(10, result.Value!.GetValue<int>());
    }

    [Theory]
    [InlineData("void Loop() => Task.Delay(5).GetAwaiter().OnCompleted(Loop);\nLoop();\nreturn 1;")]
    [InlineData("void Loop() => new ValueTask(Task.Delay(5)).GetAwaiter().OnCompleted(Loop);\nLoop();\nreturn 1;")]
    [InlineData("void Loop() => Task.FromResult(1).GetAwaiter().OnCompleted(Loop);\nLoop();\nreturn 1;")]
    [InlineData("void Loop() => Task.Yield().GetAwaiter().OnCompleted(Loop);\nLoop();\nreturn 1;")]
    [InlineData("System.Threading.Timer? t = null;\nt = new System.Threading.Timer(_ => t!.Change(5, -1), null, 5, -1);\nreturn 1;")]
    [InlineData("void Chain(object? _) => System.Threading.ThreadPool.QueueUserWorkItem(Chain);\nChain(null);\nreturn 1;")]
    [InlineData("_ = Task.Run(async () => { while (true) { await Task.Delay(5); } });\nreturn 1;")]
    public async Task Ways_to_schedule_code_outside_an_async_body_are_refused_before_running(string source)
    {
        var result = await Run(source);

        Assert.True(result.Status == ScriptStatus.Rejected, $"{result.Status} {result.Error}");
        Assert.Equal("code.rejected", result.Code);
        Assert.Empty(result.Logs);
    }

    [Fact]
    public async Task Async_bodies_the_script_awaits_to_the_end_are_not_background_work()
    {
        var result = await Run("""
            async Task<int> Twice(int n) { await Task.Delay(2); return n * 2; }
            Func<int, Task<int>> inc = async n => { await Task.Delay(1); return n + 1; };
            async Task<int> Three() { var n = 0; for (var i = 0; i < 3; i++) { await Task.Delay(1); n += i; } return n; }
            var sum = await Three();
            try { await Fail(); } catch (InvalidOperationException) { sum += 100; }
            async Task Fail() { await Task.Delay(1); throw new InvalidOperationException("x"); }
            return await Twice(sum) + await inc(0);
            """);

        Assert.True(result.Status == ScriptStatus.Ok, $"{result.Status} {result.Error}");
        Assert.Equal(207, result.Value!.GetValue<int>());
        Assert.Null(result.Code);
    }
}
