using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>An expression's outcome is data (a status, a <see cref="LimitKind"/>, a code) from the evaluator to every output.</summary>
public sealed class ExpressionOutcomeTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string, LimitKind> RunTimeLimits => new()
    {
        { "(() => { while (true) {} })()", LimitKind.Statements },
        { "(function f(n) { return f(n + 1) + 1; })(0)", LimitKind.Recursion },
        { "'x'.repeat(100000000)", LimitKind.Memory },
        { "'x'.repeat(2000000)", LimitKind.Result },
        { "/(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')", LimitKind.Regex },
    };

    public static TheoryData<string, LimitKind> LimitsBeforeRunning => new()
    {
        { string.Concat(Enumerable.Repeat("1+", 9000)) + "1", LimitKind.SourceLength },
        { new string('[', 300) + new string(']', 300), LimitKind.Nesting },
    };

    [Theory]
    [MemberData(nameof(RunTimeLimits))]
    [MemberData(nameof(LimitsBeforeRunning))]
    public async Task Each_limit_reaches_evals_exit_code_and_json_from_the_same_enum(string expression, LimitKind limit)
    {
        var (code, output, _) = await _cli.RunAsync("eval", "--json", expression);

        var line = JsonNode.Parse(output)!;
        Assert.Equal(ExitCodes.LimitExceeded, code);
        Assert.Equal("limited", line["status"]!.GetValue<string>());
        Assert.Equal(limit.ToText(), line["limit"]!.GetValue<string>());
        Assert.Equal(ExpressionErrors.LimitCode(limit), line["code"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(RunTimeLimits))]
    public async Task Each_limit_reaches_the_run_record_and_runs_exit_code_from_the_same_enum(string expression, LimitKind limit)
    {
        var (code, node) = await RunAsync(expression);

        Assert.Equal(ExitCodes.LimitExceeded, code);
        Assert.Equal(limit, node.Limit);
        Assert.Equal(ErrorKind.LimitExceeded, node.ErrorKind);
        Assert.Equal(ExpressionErrors.LimitCode(limit), node.ErrorCode);
    }

    [Theory]
    [InlineData("eval('1')", ErrorKind.Rejected, ExitCodes.Rejected, "rejected", ExpressionErrors.RejectedCode)]
    [InlineData("null.x", ErrorKind.Internal, ExitCodes.Failure, "error", ExpressionErrors.FailedCode)]
    public async Task Each_failure_kind_reaches_evals_exit_code_and_json(string expression, ErrorKind kind, int exitCode, string status, string errorCode)
    {
        var (code, output, _) = await _cli.RunAsync("eval", "--json", expression);

        var line = JsonNode.Parse(output)!;
        Assert.Equal(exitCode, code);
        Assert.Equal(ExitCodes.ForOutcome(kind), code);
        Assert.Equal(status, line["status"]!.GetValue<string>());
        Assert.Equal(errorCode, line["code"]!.GetValue<string>());
        Assert.Null(line["limit"]);
    }

    [Fact]
    public async Task A_throwing_expression_is_recorded_as_an_error_not_as_rejected()
    {
        var (code, node) = await RunAsync("null.x");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(ErrorKind.Internal, node.ErrorKind);
        Assert.Equal(ExpressionErrors.FailedCode, node.ErrorCode);
        Assert.Null(node.Limit);
    }

    [Fact]
    public async Task The_most_severe_outcome_decides_evals_exit_code()
    {
        var (code, _, _) = await _cli.RunAsync("eval", "null.x", "eval('1')", "(() => { while (true) {} })()", "1");

        Assert.Equal(ExitCodes.LimitExceeded, code);
    }

    /// <summary>Runs a one-node workflow of <paramref name="expression"/> and reads back its record.</summary>
    private async Task<(int Code, NodeRecord Node)> RunAsync(string expression)
    {
        var workflow = Path.Combine(_cli.Home, "workflow.json");
        File.WriteAllText(workflow, new JsonObject
        {
            ["name"] = "w", ["project"] = "p", ["owner"] = "ana",
            ["nodes"] = new JsonArray(new JsonObject { ["id"] = "e", ["type"] = "expression", ["expression"] = expression }),
        }.ToJsonString());
        var (code, _, _) = await _cli.RunAsync("run", workflow);
        var record = Assert.Single(await new RunRecordStore(_cli.Home).ListAsync());
        return (code, Assert.Single(record.Nodes));
    }
}
