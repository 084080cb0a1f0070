using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>Each limit and failure kind of <c>exec</c> reaches the exit code, the JSON output and the run record from the same enum.</summary>
public sealed class ExecOutcomeTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("context.Log(\"before\");\nvar list = new List<byte[]>();\nwhile (true) { list.Add(new byte[10_000_000]); }", LimitKind.Memory, "limit exceeded: memory")]
    [InlineData("context.Log(\"before\");\nint Down(int n) => Down(n + 1) + 1;\nreturn Down(0);", LimitKind.Stack, "limit exceeded: stack")]
    [InlineData("context.Log(\"before\");\nreturn new string('x', 2_000_000);", LimitKind.Result, "limit exceeded: result")]
    [InlineData("context.Log(\"before\");\nwhile (true) { context.Log(new string('y', 4000)); }", LimitKind.Output, "limit exceeded: output")]
    [InlineData("context.Log(\"before\");\nwhile (true) { }", LimitKind.Time, "limit exceeded: time")]
    public async Task Each_limit_reaches_the_exit_code_the_json_output_and_the_run_record_from_the_same_enum(string source, LimitKind limit, string error)
    {
        var (code, result, node) = await ExecAsync(source, limit);

        Assert.Equal(limit, node.Limit);
        Assert.Equal(ErrorKind.LimitExceeded, node.ErrorKind);
        Assert.Equal(ScriptErrors.LimitCode(limit), node.ErrorCode);
        Assert.Equal(ExitCodes.LimitExceeded, code);
        Assert.Equal("limited", result["status"]!.GetValue<string>());
        Assert.Equal(limit.ToText(), result["limit"]!.GetValue<string>());
        Assert.Equal(node.ErrorCode, result["code"]!.GetValue<string>());
        Assert.Contains(error, result["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("before", result["logs"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("context.Log(\"before\");\nthrow new InvalidOperationException(\"rejected by the remote side\");", ErrorKind.Internal, ExitCodes.Failure, "error", "script failed: line 2: InvalidOperationException: rejected by the remote side")]
    [InlineData("context.Log(\"before\");\nreturn System.IO.File.ReadAllText(\"/etc/passwd\");", ErrorKind.Rejected, ExitCodes.Rejected, "rejected", "rejected")]
    public async Task Each_failure_kind_reaches_the_exit_code_the_json_output_and_the_run_record_from_the_same_enum(string source, ErrorKind kind, int exitCode, string status, string error)
    {
        var (code, result, node) = await ExecAsync(source);

        Assert.Equal(kind, node.ErrorKind);
        Assert.Null(node.Limit);
        Assert.Equal(kind == ErrorKind.Rejected ? ScriptErrors.RejectedCode : ScriptErrors.FailedCode, node.ErrorCode);
        Assert.Equal(exitCode, code);
        Assert.Equal(status, result["status"]!.GetValue<string>());
        Assert.Null(result["limit"]);
        Assert.Equal(node.ErrorCode, result["code"]!.GetValue<string>());
        Assert.Contains(error, result["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Runs a script with <c>exec --json</c> on the store, and reads back the record the run id names.</summary>
    /// <remarks>
    /// Only the time case waits its limit out, so only it gets a short one: every other case must end on its own limit
    /// first, which a starved machine could delay past 2 s.
    /// </remarks>
    private async Task<(int Code, System.Text.Json.Nodes.JsonNode Result, NodeRecord Node)> ExecAsync(string source, LimitKind? limit = null)
    {
        var timeout = limit == LimitKind.Time ? "2000" : "30000";
        var (code, output, _) = await _cli.RunAsync("exec", _cli.Script(source), "--json", "--timeout", timeout);
        var result = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        var record = await new RunRecordStore(_cli.Home).GetAsync(result["run"]!.GetValue<string>());
        return (code, result, Assert.Single(record.Nodes));
    }
}
