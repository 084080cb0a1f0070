using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class ExecCommandTests : IDisposable
{
    private const string Password = "pw-exec-7c6b5a4f3e";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Script(string source)
    {
        var path = Path.Combine(_cli.Home, $"s{Guid.NewGuid():N}.csx");
        File.WriteAllText(path, source);
        return path;
    }

    [Fact]
    public async Task A_basic_auth_header_is_built_from_an_aliased_store_secret_and_printed_masked()
    {
        await _cli.PipeAsync(Password, "secret", "set", "API_PASSWORD");
        var script = Script("context.Log(\"pw \" + context.Secrets[\"Pw\"]); return \"Basic \" + Convert.ToBase64String(Encoding.UTF8.GetBytes(\"user:\" + context.Secrets[\"Pw\"]));");

        var (code, output, error) = await _cli.RunAsync("exec", script, "--credential", "Pw=API_PASSWORD");

        Assert.Equal(0, code);
        Assert.Equal("\"Basic dXNlcjp***\"", output.Trim());
        Assert.StartsWith("log: pw ***\nrun ", error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_values_and_json_output_work_offline()
    {
        var values = Path.Combine(_cli.Home, "t.env");
        File.WriteAllText(values, $"API_PASSWORD={Password}\n");
        var script = Script("return context.Secrets[\"Pw\"].Length + (int)context.Input![\"n\"]!;");

        var (code, output, _) = await _cli.RunAsync("exec", script, "--credential", "Pw=API_PASSWORD", "--secrets-file", values, "--input", "{\"n\":2}", "--json");

        Assert.Equal(0, code);
        Assert.Equal("{\"status\":\"ok\",\"value\":20,\"error\":null,\"code\":null,\"limit\":null,\"logs\":[],\"run\":null}", output.Trim());
    }

    [Theory]
    [InlineData("return System.IO.File.ReadAllText(\"/etc/passwd\");", 3)]
    [InlineData("while (true) { }", 4)]
    [InlineData("throw new Exception(\"boom\");", 1)]
    public async Task The_exit_code_says_how_the_script_ended(string source, int expected)
    {
        var values = Path.Combine(_cli.Home, "t.env");
        File.WriteAllText(values, "X=1234567\n");

        var (code, _, _) = await _cli.RunAsync("exec", Script(source), "--secrets-file", values, "--timeout", "3000");

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task A_credential_whose_secret_is_missing_fails_before_any_code_runs()
    {
        var (code, output, error) = await _cli.RunAsync("exec", Script("return 1;"), "--credential", "Key=NOT_THERE");

        Assert.Equal(1, code);
        Assert.Contains("NOT_THERE", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_isolation_is_warned_about_on_every_run()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";
        var script = Script("return 1;");

        var (code, output, error) = await _cli.RunAsync("exec", script);

        Assert.Equal(0, code);
        Assert.Equal("1", output.Trim());
        Assert.Equal("warning: SECRETS_RUNTIME_ISOLATION=process runs code nodes without a sandbox: use it for trusted code only", error.ReplaceLineEndings("\n").Split('\n')[0]);
    }

    [Theory]
    [InlineData("context.Log(\"before\");\nvar list = new List<byte[]>();\nwhile (true) { list.Add(new byte[10_000_000]); }", LimitKind.Memory, "limit exceeded: memory")]
    [InlineData("context.Log(\"before\");\nint Down(int n) => Down(n + 1) + 1;\nreturn Down(0);", LimitKind.Stack, "limit exceeded: stack")]
    [InlineData("context.Log(\"before\");\nreturn new string('x', 2_000_000);", LimitKind.Result, "limit exceeded: result")]
    [InlineData("context.Log(\"before\");\nwhile (true) { context.Log(new string('y', 4000)); }", LimitKind.Output, "limit exceeded: output")]
    [InlineData("context.Log(\"before\");\nwhile (true) { }", LimitKind.Time, "limit exceeded: time")]
    public async Task Each_limit_reaches_the_exit_code_the_json_output_and_the_run_record_from_the_same_enum(string source, LimitKind limit, string error)
    {
        var (code, result, node) = await ExecAsync(source);

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
    private async Task<(int Code, System.Text.Json.Nodes.JsonNode Result, NodeRecord Node)> ExecAsync(string source)
    {
        var (code, output, _) = await _cli.RunAsync("exec", Script(source), "--json", "--timeout", "2000");
        var result = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        var record = await new RunRecordStore(_cli.Home).GetAsync(result["run"]!.GetValue<string>());
        return (code, result, Assert.Single(record.Nodes));
    }
}
