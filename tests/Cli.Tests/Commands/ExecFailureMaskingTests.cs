namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// Every other way an <c>exec</c> run ends, on the store with a real secret bound to an alias: the script logs the value
/// before it fails (or puts it in a URL or an exception message), and it must come back masked everywhere: the JSON,
/// stderr and the run record that <c>runs show</c> prints.
/// </summary>
public sealed class ExecFailureMaskingTests : IDisposable
{
    private const string Password = "pw-exec-7c6b5a4f3e";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("while (true) { }", 4, "limited", "limit exceeded: cpu", "code.limit.cpu")]
    [InlineData("var list = new List<byte[]>();\nwhile (true) { list.Add(new byte[10_000_000]); }", 4, "limited", "limit exceeded: memory", "code.limit.memory")]
    [InlineData("async Task Later() { await Task.Delay(60_000); context.Log(\"late\"); }\n_ = Later();\nreturn 1;", 4, "limited", "limit exceeded: background work", "code.limit.background_work")]
    [InlineData("for (var i = 0; i < 50; i++) { try { await context.Http.GetAsync(\"https://api.example.com/?key=\" + context.Secrets[\"Pw\"]); } catch (InvalidOperationException) { } }\nreturn 1;", 4, "limited", "limit exceeded: HTTP calls", "code.limit.http_calls")]
    [InlineData("await context.Http.GetAsync(\"https://api.example.com/?key=\" + context.Secrets[\"Pw\"]);\nreturn 1;", 1, "error", "script failed: line 2: InvalidOperationException: host api.example.com is not in this node's allowedHosts", "code.error")]
    [InlineData("throw new InvalidOperationException(\"refused for \" + context.Secrets[\"Pw\"]);", 1, "error", "script failed: line 2: InvalidOperationException: refused for ***", "code.error")]
    [InlineData("return undefinedName + context.Secrets[\"Pw\"];", 3, "rejected", "(2,8): CS0103", "code.rejected")]
    [InlineData("return System.IO.File.ReadAllText(context.Secrets[\"Pw\"]);", 3, "rejected", "SR0002", "code.rejected")]
    public async Task Each_failure_kind_reaches_the_exit_code_the_json_status_and_the_run_record_with_the_logs_kept_and_no_value(
        string source, int exitCode, string status, string error, string errorCode)
    {
        await _cli.PipeAsync(Password, "secret", "set", "API_PASSWORD");
        var script = _cli.Script("context.Log(\"before \" + context.Secrets[\"Pw\"]);\n" + source);
        var ran = status != "rejected";

        var (code, output, stderr) = await _cli.RunAsync("exec", script, "--credential", "Pw=API_PASSWORD", "--json", "--timeout", "60000", "--cpu-time", "1000");

        Assert.Equal(exitCode, code);
        var result = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal(status, result["status"]!.GetValue<string>());
        Assert.Contains(error, result["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var logs = result["logs"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        Assert.Equal(ran ? ["before ***"] : [], logs.Take(1));
        Assert.DoesNotContain(Password, output + stderr, StringComparison.Ordinal);

        var (shown, record, _) = await _cli.RunAsync("runs", "show", result["run"]!.GetValue<string>());
        Assert.Equal(0, shown);
        var node = System.Text.Json.Nodes.JsonNode.Parse(record)!["nodes"]![0]!;
        Assert.Equal(errorCode, node["errorCode"]!.GetValue<string>());
        Assert.Equal(ran ? "before ***" : null, node["logs"]?.AsArray().FirstOrDefault()?.GetValue<string>());
        Assert.DoesNotContain(Password, record, StringComparison.Ordinal);
    }
}
