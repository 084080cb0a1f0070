using System.Text.Json.Nodes;
using Secrets.Runtime.Cli.Demo;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>run</c> attacked through an HTTP node: header injection from the run input, and a secret used as a URL host.</summary>
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
}
