using System.Net;
using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Tests.Workflows.Nodes.Code;

/// <summary>Code nodes inside a workflow run: aliases only, <c>context.json</c>, and <c>context.Http</c> to the node's allowed hosts.</summary>
public sealed class CodeNodeTests
{
    private const string Token = "tok_codenode_5e4d3c2b1a";
    private const string Other = "other_value_0f1e2d3c4b";

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<(string Url, string? Authorization, string Body)> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Add((request.RequestUri!.ToString(), request.Headers.Authorization?.ToString(), request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"echo":"Bearer tok_codenode_5e4d3c2b1a"}""") };
        }
    }

    private static readonly Dictionary<string, string> Values = new() { ["API_TOKEN"] = Token, ["OTHER_SECRET"] = Other };

    private static WorkflowDefinition Workflow(string nodes) =>
        WorkflowLoader.Parse($$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ {{nodes}} ] }""");

    [Fact]
    public async Task A_code_node_posts_through_context_http_to_its_allowed_host_and_the_echo_stays_masked()
    {
        var handler = new RecordingHandler();
        var workflow = Workflow("""
            { "id": "post", "type": "code", "language": "csharp", "allowedHosts": ["api.example.com"],
              "credentials": [{ "secret": "API_TOKEN", "alias": "Token" }],
              "source": "var r = await context.Http.PostAsync(\"https://api.example.com/hook\", \"{}\", new Dictionary<string, string> { [\"Authorization\"] = \"Bearer \" + context.Secrets[\"Token\"] }); return r.Json();" }
            """);

        var record = await WorkflowExecutor.RunWithValuesAsync(workflow, Values, new WorkflowExecutorOptions { HttpHandler = handler });

        Assert.Equal(RunStatus.Succeeded, record.Status);
        Assert.Equal(("https://api.example.com/hook", "Bearer " + Token), (handler.Sent[0].Url, handler.Sent[0].Authorization));
        var node = record.Nodes[0];
        Assert.Equal("Bearer ***", node.Output!["echo"]!.GetValue<string>());
        Assert.Contains("http POST https://api.example.com/hook -> 200", node.Logs);
        Assert.DoesNotContain(Token, System.Text.Json.JsonSerializer.Serialize(record), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_allowed_hosts_a_code_node_reaches_no_host()
    {
        var handler = new RecordingHandler();
        var workflow = Workflow("""
            { "id": "post", "type": "code", "language": "csharp", "credentials": [{ "secret": "API_TOKEN", "alias": "Token" }],
              "source": "await context.Http.GetAsync(\"https://api.example.com/?k=\" + context.Secrets[\"Token\"]); return 1;" }
            """);

        var record = await WorkflowExecutor.RunWithValuesAsync(workflow, Values, new WorkflowExecutorOptions { HttpHandler = handler });

        Assert.Equal(RunStatus.Failed, record.Status);
        Assert.Contains("not in this node's allowedHosts", record.Nodes[0].Error, StringComparison.Ordinal);
        Assert.Empty(handler.Sent);
    }

    [Fact]
    public async Task A_secret_that_is_not_aliased_to_the_node_is_nowhere_in_its_context()
    {
        var workflow = Workflow("""
            { "id": "a", "type": "code", "language": "csharp", "credentials": [{ "secret": "OTHER_SECRET", "alias": "Mine" }], "source": "return context.Secrets[\"Mine\"].Length;" },
            { "id": "b", "type": "code", "language": "csharp", "credentials": [{ "secret": "API_TOKEN", "alias": "Token" }],
              "source": "return new JsonObject { [\"keys\"] = string.Join(\",\", context.Secrets.Keys), [\"json\"] = context.Json.Contains(\"other_value\"), [\"input\"] = context.InputJson.Contains(\"other_value\") };" }
            """);

        var record = await WorkflowExecutor.RunWithValuesAsync(workflow, Values);

        Assert.Equal(RunStatus.Succeeded, record.Status);
        var output = record.Nodes[1].Output!;
        Assert.Equal(("Token", false, false), (output["keys"]!.GetValue<string>(), output["json"]!.GetValue<bool>(), output["input"]!.GetValue<bool>()));
    }
}
