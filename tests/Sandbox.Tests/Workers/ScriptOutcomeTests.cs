using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Every way a run can end has its own name, carried as data from the worker (<see cref="ScriptResult.Limit"/>, the
/// status, the line), and the log lines written before the end are kept.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class ScriptOutcomeTests
{
    private static readonly ScriptLimits Limits = new() { Timeout = TimeSpan.FromSeconds(3), MaxResultBytes = 100_000, MaxOutputBytes = 10_000 };
    private readonly ScriptRunner _runner;

    public ScriptOutcomeTests(ScriptRunnerFixture workers) => _runner = workers.Runner;

    private Task<ScriptResult> RunAsync(string source, Dictionary<string, string>? secrets = null, ScriptLimits? limits = null) =>
        _runner.RunAsync(new ScriptRequest { Source = source, Secrets = secrets ?? [], Limits = limits ?? Limits, Run = new Secrets.Runtime.Sandbox.CSharp.ScriptRunInfo("r", "w", "sign", "manual") });

    [Theory]
    [InlineData("context.Log(\"before\");\nvar list = new List<byte[]>();\nwhile (true) { list.Add(new byte[10_000_000]); }", LimitKind.Memory, "limit exceeded: memory")]
    [InlineData("context.Log(\"before\");\nreturn new string('x', 200_000);", LimitKind.Result, "limit exceeded: result")]
    [InlineData("context.Log(\"before\");\nwhile (true) { context.Log(new string('y', 1000)); }", LimitKind.Output, "limit exceeded: output")]
    [InlineData("context.Log(\"before\");\nint Down(int n) => Down(n + 1) + 1;\nreturn Down(0);", LimitKind.Stack, "limit exceeded: stack")]
    [InlineData("context.Log(\"before\");\nwhile (true) { }", LimitKind.Time, "limit exceeded: time")]
    [InlineData("context.Log(\"before\");\nasync Task Later() { await Task.Delay(60_000); context.Log(\"late\"); }\n_ = Later();\nreturn 1;", LimitKind.BackgroundWork, "limit exceeded: background work (the script left tasks or timers running after it returned)")]
    [InlineData("context.Log(\"before\");\nfor (var i = 0; i < 50; i++) { try { await context.Http.GetAsync(\"https://api.example.com/\"); } catch (InvalidOperationException) { } }\nreturn 1;", LimitKind.HttpCalls, "limit exceeded: HTTP calls")]
    public async Task Each_limit_has_its_name_and_keeps_the_lines_logged_before_it(string source, LimitKind limit, string message)
    {
        // Only the time case waits its limit out; every other case must meet its own limit first, which a starved
        // machine could delay past 3 s, so they get a limit they never wait out.
        var result = await RunAsync(source, limits: limit == LimitKind.Time ? Limits : Limits with { Timeout = TimeSpan.FromSeconds(30) });

        Assert.Equal(ScriptStatus.Limited, result.Status);
        Assert.Equal(limit, result.Limit);
        Assert.Equal(message, result.Error);
        Assert.Equal("code.limit." + limit.ToText(), result.Code);
        Assert.Equal("before", result.Logs[0]);
    }

    [Fact]
    public async Task A_run_time_exception_is_an_error_naming_the_script_line_not_a_rejection()
    {
        var result = await RunAsync("context.Log(\"first\");\nvar n = 2;\nthrow new InvalidOperationException(\"boom \" + n);");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Equal("code.error", result.Code);
        Assert.Null(result.Limit);
        Assert.Equal(3, result.Line);
        Assert.Equal("line 3: InvalidOperationException: boom 2", result.Error);
        Assert.Equal(["first"], result.Logs);
        Assert.DoesNotContain("Secrets.Runtime", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_exception_message_is_cut_not_a_crash()
    {
        var result = await RunAsync("throw new InvalidOperationException(new string('z', 5_000_000));");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.EndsWith(" (cut)", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error!.Length < 3000);
    }

    [Fact]
    public async Task A_missing_alias_names_the_node_and_its_aliases_never_a_value()
    {
        var result = await RunAsync("return context.Secrets[\"Token\"];", new Dictionary<string, string> { ["Key"] = "sk_live_alias_value", ["Other"] = "pw_alias_value" });

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Equal("line 1: KeyNotFoundException: no credential with alias 'Token' in node 'sign'; its aliases are Key, Other", result.Error);
    }

    [Fact]
    public async Task A_collection_expression_span_read_past_its_end_is_an_index_error_not_a_read_of_memory()
    {
        // Roslyn 5.12 lays [a, b, c] over the BCL's InlineArray3<T>; the span the script gets is bounds-checked.
        var result = await RunAsync("long At(int i)\n{\n    Span<long> s = [1, 2, 3];\n    return s[i];\n}\nreturn At(5);");

        Assert.True(result.Status == ScriptStatus.Error, $"{result.Status} {result.Error}");
        Assert.Equal("code.error", result.Code);
        Assert.Contains("IndexOutOfRangeException", result.Error, StringComparison.Ordinal);
    }
}
