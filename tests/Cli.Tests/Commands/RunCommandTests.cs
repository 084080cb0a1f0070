using System.Text.Json.Nodes;
using Secrets.Runtime.Cli.Demo;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// <c>run</c> attacked through an HTTP node: header injection from the run input, and a secret used as a URL host; and
/// every way a code node fails, as the run reports and records it.
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private const string Token = "tok_live_8a7b6c5d4e";
    private const string HostSecret = "Sk_Live_Mx4Np8Qr2T";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Workflow(string url, string headers, string allowedHosts)
    {
        var path = Path.Combine(_cli.Home, $"w{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "call", "type": "http", "method": "POST", "url": "{{url}}", "headers": {{headers}}, "body": "payload", "allowedHosts": {{allowedHosts}} }
            ] }
            """);
        return path;
    }

    /// <summary>Everything the run left for a person to read: console, log file and the stored run record.</summary>
    private async Task<string> Everything((int Code, string Out, string Err) run)
    {
        var runs = Path.Combine(_cli.Home, "runs");
        var logs = Path.Combine(_cli.Home, "logs");
        var files = new[] { runs, logs }.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d)).Select(File.ReadAllText);
        var shown = run.Out.Contains("runs show ", StringComparison.Ordinal)
            ? (await _cli.RunAsync("runs", "show", run.Out.Split("runs show ")[1].Split(';')[0].Trim())).Out
            : string.Empty;
        return string.Join("\n", files.Append(run.Out).Append(run.Err).Append(shown));
    }

    [Fact]
    public async Task A_line_break_in_a_header_from_the_run_input_never_reaches_the_server()
    {
        await using var server = EchoServer.Start();
        await _cli.PipeAsync(Token, "secret", "set", "TOKEN");
        var workflow = Workflow("{{inputs.base}}/hook", """{ "Authorization": "Bearer {{secrets.TOKEN}}", "X-Trace": "{{inputs.trace}}" }""", $"[\"127.0.0.1:{server.Port}\"]");

        var clean = await _cli.RunAsync("run", workflow, "--input", new JsonObject { ["base"] = server.BaseAddress, ["trace"] = "abc" }.ToJsonString());
        var injected = await _cli.RunAsync("run", workflow, "--input", new JsonObject { ["base"] = server.BaseAddress, ["trace"] = "abc\r\nX-Injected: 1" }.ToJsonString());

        Assert.True(clean.Code == 0, clean.Out + clean.Err);
        Assert.NotEqual(0, injected.Code);
        var request = Assert.Single(server.Requests);
        Assert.Equal("abc", request["headers"]!["X-Trace"]!.GetValue<string>());
        Assert.DoesNotContain("X-Injected", request.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("header $.nodes[0].headers['X-Trace'] has a control character (CR) in its value", injected.Out + injected.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, await Everything(injected), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "is not allowed for this node")]
    [InlineData("[\"*.invalid\"]", "failed: ")]
    public async Task A_secret_used_as_a_url_host_is_printed_in_no_case(string allowedHosts, string expected)
    {
        await _cli.PipeAsync(HostSecret, "secret", "set", "API_HOST");

        var run = await _cli.RunAsync("run", Workflow("http://{{secrets.API_HOST}}.invalid/x", "{}", allowedHosts));

        Assert.NotEqual(0, run.Code);
        var everything = await Everything(run);
        Assert.Contains("$.nodes[0].url, rendered from {{secrets.API_HOST}}", run.Out + run.Err, StringComparison.Ordinal);
        Assert.Contains(expected, run.Out + run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(HostSecret, everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(HostSecret.ToLowerInvariant(), everything, StringComparison.Ordinal);
    }

    // A code node that logs its credential and then fails, in each way a script can: the run fails (exit 4 for a limit,
    // 3 for a script refused before it ran, 1 for an error; ExitCodes.ForOutcome), prints the
    // node's kept log lines masked, and its record (what `runs show` prints) names the failure by its stable code.
    [Theory]
    [InlineData("var list = new List<byte[]>(); while (true) { list.Add(new byte[10_000_000]); }", "code.limit.memory", "limit exceeded: memory", true)]
    [InlineData("async Task Later() { await Task.Delay(60_000); context.Log(\"late\"); } _ = Later(); return 1;", "code.limit.background_work", "limit exceeded: background work", true)]
    [InlineData("for (var i = 0; i < 50; i++) { try { await context.Http.GetAsync(\"https://api.example.com/?key=\" + context.Secrets[\"Pw\"]); } catch (InvalidOperationException) { } } return 1;", "code.limit.http_calls", "limit exceeded: HTTP calls", true)]
    [InlineData("await context.Http.GetAsync(\"https://api.example.com/?key=\" + context.Secrets[\"Pw\"]); return 1;", "code.error", "host api.example.com is not in this node's allowedHosts", true)]
    [InlineData("throw new InvalidOperationException(\"refused for \" + context.Secrets[\"Pw\"]);", "code.error", "InvalidOperationException: refused for ***", true)]
    [InlineData("return undefinedName + context.Secrets[\"Pw\"];", "code.rejected", "CS0103", false)]
    [InlineData("return System.IO.File.ReadAllText(context.Secrets[\"Pw\"]);", "code.rejected", "SR0002", false)]
    public async Task Each_way_a_code_node_fails_is_recorded_by_its_code_with_the_logs_kept_and_no_value(string body, string errorCode, string error, bool ran)
    {
        await _cli.PipeAsync(Token, "secret", "set", "API_PASSWORD");
        var path = Path.Combine(_cli.Home, $"w{Guid.NewGuid():N}.json");
        var source = "context.Log(\"before \" + context.Secrets[\"Pw\"]);\n" + body;
        File.WriteAllText(path, new JsonObject
        {
            ["name"] = "w", ["project"] = "default", ["owner"] = "o",
            ["nodes"] = new JsonArray(new JsonObject
            {
                ["id"] = "script", ["type"] = "code", ["language"] = "csharp", ["source"] = source,
                ["credentials"] = new JsonArray(new JsonObject { ["secret"] = "API_PASSWORD", ["alias"] = "Pw" }),
            }),
        }.ToJsonString());

        var run = await _cli.RunAsync("run", path);

        Assert.Equal(errorCode.StartsWith("code.limit.", StringComparison.Ordinal) ? 4 : errorCode == "code.rejected" ? 3 : 1, run.Code);
        Assert.Contains(" failed (manual", run.Out, StringComparison.Ordinal);
        Assert.Equal(ran, run.Out.Contains("  script: before ***", StringComparison.Ordinal));
        var record = JsonNode.Parse((await _cli.RunAsync("runs", "show", run.Out.Split("runs show ")[1].Split(';')[0].Trim())).Out)!;
        var node = record["nodes"]![0]!;
        Assert.Equal(errorCode, node["errorCode"]!.GetValue<string>());
        Assert.Contains(error, node["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(ran ? "before ***" : null, node["logs"]?.AsArray().FirstOrDefault()?.GetValue<string>());
        Assert.DoesNotContain(Token, await Everything(run), StringComparison.Ordinal);
    }
}
