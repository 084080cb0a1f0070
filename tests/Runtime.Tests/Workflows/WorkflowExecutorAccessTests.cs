using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Tests.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Serilog.Core;

namespace Secrets.Runtime.Tests.Workflows;

/// <summary>A run reads only what its principal may use, through the real store: the attack is a run by someone without access.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WorkflowExecutorAccessTests : IDisposable
{
    private const string Value = "run-needle-4b7e91";
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private sealed class EchoRunner : INodeRunner
    {
        public string Type => "http";

        public List<string> Seen { get; } = [];

        public Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken)
        {
            var text = context.Renderer.Render(Secrets.Runtime.References.TemplateParser.Parse(context.Node.Configuration["url"]!.GetValue<string>()));
            Seen.Add(text);
            return Task.FromResult(new NodeOutcome(new JsonObject(), JsonValue.Create("sent"), false, []));
        }
    }

    private static WorkflowDefinition Workflow() => WorkflowLoader.Parse("""
        { "name": "nightly", "project": "proj", "owner": "olga", "nodes": [ { "id": "call", "type": "http", "url": "https://x.test/{{K}}" } ] }
        """);

    [Fact]
    public async Task A_run_for_a_principal_without_access_fails_its_node_and_reads_no_value()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("K", Value, SecretScope.Project, "proj"));
        var runner = new EchoRunner();
        using var executor = new WorkflowExecutor(store, new SecretRedactor(), Logger.None, [runner], records: null);
        var mallory = new Principal("mallory", [new RoleGrant(SecretScope.Project, "other", SecretRole.Admin)]);

        var run = await executor.RunAsync(Workflow(), new RunRequest { User = "mallory", Principal = mallory });

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("reference.secret_missing", run.Nodes[0].ErrorCode);
        Assert.Empty(runner.Seen);
        Assert.Empty(run.Secrets);
        Assert.DoesNotContain(await store.AuditAsync(StoreFixture.Admin, null), e => e.Action == "use");
    }

    [Fact]
    public async Task A_member_of_the_secret_runs_with_it_and_the_use_names_the_workflow()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("K", Value, SecretScope.Project, "proj"));
        await store.PutMemberAsync(StoreFixture.Admin, SecretScope.Project, "proj", SecretName.Parse("K"), "mallory", SecretMemberRole.Member);
        var runner = new EchoRunner();
        using var executor = new WorkflowExecutor(store, new SecretRedactor(), Logger.None, [runner], records: null);

        var run = await executor.RunAsync(Workflow(), new RunRequest { User = "mallory", Principal = new Principal("mallory", []) });

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(["https://x.test/" + Value], runner.Seen);
        var use = Assert.Single(await store.UsagesAsync(StoreFixture.Admin, SecretScope.Project, "proj", SecretName.Parse("K")));
        Assert.Equal(("nightly", "call", "mallory"), (use.Workflow, use.NodeId, use.UserId));
    }
}
