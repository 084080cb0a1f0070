using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Tests.Workflows;
namespace Secrets.Runtime.Tests.Workflows.Nodes.Http;

/// <summary>
/// HTTP nodes attacked end to end against a real server on 127.0.0.1: control characters in headers (from the
/// workflow, the run input or a secret) are refused before a byte is sent, and a secret used in a URL host is never
/// printed, in any case, by the refusal or the failure.
/// </summary>
public sealed class HttpNodeHeaderAndHostTests : IAsyncDisposable
{
    private const string Token = "tok_live_3b9f7c1d5e";
    private const string HostSecret = "Sk_Live_Q7wErTy9Zx";
    private readonly LoopbackHttpServer _server = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static readonly Dictionary<string, string> Values = new() { ["TOKEN"] = Token, ["API_HOST"] = HostSecret, ["BAD_TOKEN"] = Token + "\r\nX-Injected: 1" };

    private Task<RunRecord> Run(string headers, JsonNode? input = null, string url = "{{inputs.base}}/hook", string? allowedHosts = null, string method = "POST") =>
        WorkflowExecutor.RunWithValuesAsync(WorkflowLoader.Parse($$"""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "call", "type": "http", "method": "{{method}}", "url": "{{url}}", "headers": {{headers}}, "body": "payload",
                "allowedHosts": {{allowedHosts ?? $"[\"{_server.HostPort}\"]"}} }
            ] }
            """), Values, input: input ?? new JsonObject { ["base"] = _server.BaseAddress });

    [Fact]
    public async Task A_clean_header_from_the_input_is_sent()
    {
        var record = await Run("""{ "Authorization": "Bearer {{secrets.TOKEN}}", "X-Trace": "{{inputs.trace}}" }""", new JsonObject { ["base"] = _server.BaseAddress, ["trace"] = "abc" });

        Assert.Equal(RunStatus.Succeeded, record.Status);
        var request = Assert.Single(_server.Received);
        Assert.Contains("X-Trace: abc\r\n", request, StringComparison.Ordinal);
        Assert.Contains($"Authorization: Bearer {Token}\r\n", request, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\r\nX-Injected: 1", "CR")]
    [InlineData("a\nX-Injected: 1", "LF")]
    [InlineData("a\u0000b", "NUL")]
    [InlineData("a\u007Fb", "U+007F")]
    public async Task A_control_character_in_a_header_value_from_the_input_is_refused_before_anything_is_sent(string trace, string named)
    {
        var record = await Run("""{ "Authorization": "Bearer {{secrets.TOKEN}}", "X-Trace": "{{inputs.trace}}" }""", new JsonObject { ["base"] = _server.BaseAddress, ["trace"] = trace });

        var node = Assert.Single(record.Nodes);
        Assert.Equal(RunStatus.Failed, node.Status);
        Assert.Contains($"header $.nodes[0].headers['X-Trace'] has a control character ({named}) in its value", node.Error, StringComparison.Ordinal);
        Assert.Contains("{{inputs.trace}}", node.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Injected", node.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Received);
    }

    [Fact]
    public async Task A_secret_holding_a_line_break_is_refused_and_not_quoted()
    {
        var record = await Run("""{ "Authorization": "Bearer {{secrets.BAD_TOKEN}}" }""");

        var node = Assert.Single(record.Nodes);
        Assert.Equal(RunStatus.Failed, node.Status);
        Assert.Contains("{{secrets.BAD_TOKEN}}", node.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, RunRecordStore.ToJson(record), StringComparison.Ordinal);
        Assert.Empty(_server.Received);
    }

    [Fact]
    public async Task A_header_name_from_the_input_must_be_a_token()
    {
        var record = await Run("""{ "{{inputs.name}}": "v" }""", new JsonObject { ["base"] = _server.BaseAddress, ["name"] = "X-A: 1\r\nX-Injected" });

        var node = Assert.Single(record.Nodes);
        Assert.Contains("has a control character (CR) in its name", node.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Received);
    }

    [Fact]
    public async Task A_method_from_the_input_must_be_a_token()
    {
        var record = await Run("{}", new JsonObject { ["base"] = _server.BaseAddress, ["m"] = "GET /other HTTP/1.1\r\nX-Injected: 1\r\n\r\nPOST" }, method: "{{inputs.m}}");

        var node = Assert.Single(record.Nodes);
        Assert.Contains("$.nodes[0].method does not render to an HTTP method (rendered from {{inputs.m}})", node.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Received);
    }

    [Fact]
    public void A_control_character_written_in_the_workflow_is_a_validation_problem()
    {
        var ex = Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "call", "type": "http", "url": "https://x.test/", "headers": { "X-A": "a\r\nX-Injected: {{inputs.v}}", "X B": "1" } }
            ] }
            """));

        Assert.Equal(["$.nodes[0].headers['X-A']", "$.nodes[0].headers['X B']"], ex.Problems.Select(p => p.JsonPath));
        Assert.Contains("control character (CR)", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("not an HTTP token", ex.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_a_url_host_that_is_refused_is_named_by_its_template_in_no_case()
    {
        var record = await Run("{}", url: "http://{{secrets.API_HOST}}.invalid/x", allowedHosts: "[]");

        var node = Assert.Single(record.Nodes);
        Assert.Equal(RunStatus.Failed, node.Status);
        Assert.Contains("the host of $.nodes[0].url, rendered from {{secrets.API_HOST}}, is not allowed", node.Error, StringComparison.Ordinal);
        AssertNowhere(record);
    }

    [Fact]
    public async Task A_secret_in_a_url_host_whose_request_fails_is_named_by_its_template_in_no_case()
    {
        var record = await Run("{}", url: "http://{{secrets.API_HOST}}.invalid/x", allowedHosts: """["*.invalid"]""");

        var node = Assert.Single(record.Nodes);
        Assert.Equal(RunStatus.Failed, node.Status);
        Assert.Contains("request to the host of $.nodes[0].url, rendered from {{secrets.API_HOST}}, failed: ", node.Error, StringComparison.Ordinal);
        AssertNowhere(record);
    }

    private static void AssertNowhere(RunRecord record)
    {
        var text = RunRecordStore.ToJson(record);
        Assert.DoesNotContain(HostSecret, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("q7werty9zx", text, StringComparison.OrdinalIgnoreCase);
    }
}
