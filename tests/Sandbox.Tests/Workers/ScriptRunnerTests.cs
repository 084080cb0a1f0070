using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

[Collection(WorkersCollection.Name)]
public sealed class ScriptRunnerTests(ScriptRunnerFixture workers)
{
    private const string Key = "whsec_test_4f8a9c2e1b7d";

    private Task<ScriptResult> Run(string source, string input = "{\"payload\":{\"order\":42}}", TimeSpan? timeout = null) =>
        workers.Runner.RunAsync(new ScriptRequest
        {
            Source = source,
            Secrets = new Dictionary<string, string> { ["SigningKey"] = Key },
            InputJson = input,
            Run = new ScriptRunInfo("run1", "wf", "sign", "webhook"),
            Limits = timeout is null ? null : new ScriptLimits { Timeout = timeout.Value },
        });

    [Fact]
    public async Task A_script_signs_a_payload_with_its_aliased_key_in_a_worker()
    {
        var result = await Run("""
            using System.Security.Cryptography;
            var payload = context.Input!["payload"]!.ToJsonString();
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(context.Secrets["SigningKey"]), Encoding.UTF8.GetBytes(payload));
            context.Log($"signed {payload.Length} chars with {context.Secrets["SigningKey"]}");
            return new JsonObject { ["payload"] = payload, ["signature"] = Convert.ToHexString(mac).ToLowerInvariant(), ["node"] = context.Run.Node };
            """);

        Assert.Equal(ScriptStatus.Ok, result.Status);
        var expected = Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key), System.Text.Encoding.UTF8.GetBytes("{\"order\":42}"))).ToLowerInvariant();
        Assert.Equal(expected, result.Value!["signature"]!.GetValue<string>());
        Assert.Equal("sign", result.Value!["node"]!.GetValue<string>());
        Assert.Equal(["signed 12 chars with ***"], result.Logs);
        Assert.False(result.Sensitive);
    }

    [Fact]
    public void The_worker_starts_with_an_empty_environment_but_for_its_own_limits()
    {
        Environment.SetEnvironmentVariable("SECRETS_RUNTIME_MASTER_KEY", "must-not-reach-the-worker");
        try
        {
            var info = WorkerLauncher.StartInfo("/x/secrets-runtime-worker.dll", [], new ScriptLimits().MaxHeapBytes, WorkerIsolation.Process, new WorkerResources(), WorkerLauncher.Tools(), seccompFd: -1);

            Assert.Equal(["DOTNET_DefaultStackSize", "DOTNET_GCHeapHardLimit", "DOTNET_NOLOGO", "DOTNET_gcServer", "MALLOC_ARENA_MAX"], info.Environment.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("10000000", info.Environment["DOTNET_GCHeapHardLimit"]);
            Assert.Equal(Path.GetTempPath(), info.WorkingDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SECRETS_RUNTIME_MASTER_KEY", null);
        }
    }

    [Fact]
    public async Task A_worker_is_reused_only_after_success_and_only_by_its_own_tenant()
    {
        // The collection's runner: tenants no other test uses start with no idle workers.
        var runner = workers.Runner;
        var (orgA, orgB) = ("org-a-" + Guid.NewGuid().ToString("N"), "org-b-" + Guid.NewGuid().ToString("N"));
        ScriptRequest For(string tenant, string source) => new() { Source = source, Tenant = tenant };

        await runner.RunAsync(For(orgA, "return 1;"));
        Assert.Equal(1, runner.IdleWorkers(orgA));
        Assert.Equal(0, runner.IdleWorkers(orgB));

        await runner.RunAsync(For(orgB, "return 2;"));
        Assert.Equal((1, 1), (runner.IdleWorkers(orgA), runner.IdleWorkers(orgB)));

        var failed = await runner.RunAsync(For(orgA, "throw new Exception(\"x\");"));
        Assert.Equal(ScriptStatus.Error, failed.Status);
        Assert.Equal(0, runner.IdleWorkers(orgA));

        var limited = await runner.RunAsync(For(orgB, "while (true) { }") with { Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(2) } });
        Assert.Equal(ScriptStatus.Limited, limited.Status);
        Assert.Equal(0, runner.IdleWorkers(orgB));
    }

    [Fact]
    public async Task State_never_carries_over_between_runs_on_a_reused_worker()
    {
        const string source = "var list = new List<int>(); list.Add(1); class Holder { public List<int> Items { get; } = new(); } var h = new Holder(); h.Items.Add(1); return list.Count + h.Items.Count;";
        var first = await Run(source);
        var second = await Run(source);

        Assert.Equal(2, first.Value!.GetValue<int>());
        Assert.Equal(2, second.Value!.GetValue<int>());
    }

    [Theory]
    [InlineData("class Counter { public static int N; } Counter.N++; return Counter.N;")]
    [InlineData("class Counter { static readonly List<int> Seen = new(); public static int Add() { Seen.Add(1); return Seen.Count; } } return Counter.Add();")]
    [InlineData("class Counter { public static int N { get; set; } } return ++Counter.N;")]
    public async Task Static_state_is_refused_because_a_worker_may_run_the_script_again(string source)
    {
        var result = await Run(source);

        Assert.Equal(ScriptStatus.Rejected, result.Status);
        Assert.Contains("static fields", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Returning_the_secret_marks_the_result_sensitive()
    {
        var result = await Run("return \"k=\" + context.Secrets[\"SigningKey\"];");

        Assert.True(result.Sensitive);
    }

    [Fact]
    public async Task Only_the_nodes_aliases_are_in_context_secrets()
    {
        var result = await Run("return string.Join(\",\", context.Secrets.Keys) + \"|\" + context.Secrets.ContainsKey(\"OTHER\");");

        Assert.Equal("SigningKey|False", result.Value!.GetValue<string>());
    }

    [Fact]
    public async Task A_policy_refusal_rejects_before_anything_runs()
    {
        var result = await Run("return System.Environment.GetEnvironmentVariable(\"SECRETS_RUNTIME_MASTER_KEY\");");

        Assert.Equal(ScriptStatus.Rejected, result.Status);
        Assert.StartsWith("SR", result.Diagnostics[0].Code, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_infinite_loop_is_killed_at_the_time_limit_and_the_next_run_works()
    {
        var looping = await Run("while (true) { } ", timeout: TimeSpan.FromSeconds(3));
        var next = await Run("return 1 + 1;");

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: time"), (looping.Status, looping.Error));
        Assert.Equal(2, next.Value!.GetValue<int>());
    }

    [Fact]
    public async Task A_stack_overflow_kills_only_the_worker_and_the_next_run_works()
    {
        var overflow = await Run("int Down(int n) => Down(n + 1) + 1; return Down(0);");
        var next = await Run("return \"still here\";");

        Assert.NotEqual(ScriptStatus.Ok, overflow.Status);
        Assert.Equal("still here", next.Value!.GetValue<string>());
    }

    [Fact]
    public async Task Allocating_past_the_heap_limit_fails_the_run_not_the_host()
    {
        var result = await Run("var list = new List<byte[]>(); while (true) list.Add(new byte[1 << 20]);");

        Assert.NotEqual(ScriptStatus.Ok, result.Status);
        Assert.Equal(ScriptStatus.Ok, (await Run("return 3;")).Status);
    }

    [Fact]
    public async Task A_thrown_secret_is_masked_in_the_error()
    {
        var result = await Run("throw new InvalidOperationException(\"bad key \" + context.Secrets[\"SigningKey\"]);");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Equal("line 1: InvalidOperationException: bad key ***", result.Error);
    }

    [Fact]
    public async Task An_oversized_result_is_a_limit()
    {
        var result = await Run("return new string('x', 3_000_000);");

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: result"), (result.Status, result.Error));
    }

    [Fact]
    public async Task Logging_past_the_output_limit_ends_the_run_even_when_the_script_catches()
    {
        var result = await Run("try { for (var i = 0; i < 10_000; i++) context.Log(new string('y', 100)); } catch { } return 1;");

        Assert.Equal((ScriptStatus.Limited, "limit exceeded: output"), (result.Status, result.Error));
        Assert.Equal(ScriptStatus.Ok, (await Run("return 1;")).Status);
    }

    [Fact]
    public async Task A_catastrophic_regex_without_a_timeout_is_stopped_by_the_workers_default()
    {
        var result = await Run("return Regex.IsMatch(new string('a', 40) + \"!\", \"^(a+)+$\");");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Contains("RegexMatchTimeoutException", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Await_and_records_and_dates_work()
    {
        var result = await Run("""
            record Item(string Name, decimal Price);
            await Task.Delay(5);
            var items = new[] { new Item("a", 1.5m), new Item("b", 2.25m) };
            return new { total = items.Sum(i => i.Price), day = new DateTime(2026, 11, 24).DayOfWeek.ToString() };
            """);

        Assert.Equal(ScriptStatus.Ok, result.Status);
        Assert.Equal(3.75m, result.Value!["total"]!.GetValue<decimal>());
        Assert.Equal("Tuesday", result.Value!["day"]!.GetValue<string>());
    }
}
