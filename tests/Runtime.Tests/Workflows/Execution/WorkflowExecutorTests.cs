using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Secrets.Runtime.Tests.Workflows.Execution;

public sealed class WorkflowExecutorTests : IDisposable
{
    private sealed class MemoryReader : ISecretValueReader
    {
        public ConcurrentDictionary<(SecretScope, string, string), (string Value, int Version)> Values { get; } = new();

        public List<SecretUsage> Usages { get; } = [];

        public Action? OnRead { get; set; }

        public void Set(SecretScope scope, string owner, string name, string value) =>
            Values.AddOrUpdate((scope, owner, name), (value, 1), (_, old) => (value, old.Version + 1));

        public Task<ResolvedSecret?> TryReadAsync(Principal principal, SecretScope scope, string owner, SecretName name, CancellationToken cancellationToken)
        {
            OnRead?.Invoke();
            return Task.FromResult(Values.TryGetValue((scope, owner, name.Value), out var v) ? new ResolvedSecret(scope, owner, name, v.Version, v.Value) : null);
        }

        public async Task<IReadOnlyList<ResolvedSecret>> ReadManyAsync(Principal principal, IReadOnlyList<SecretKey> keys, long minimumChange, CancellationToken cancellationToken)
        {
            var found = new List<ResolvedSecret>();
            foreach (var key in keys)
            {
                if (await TryReadAsync(principal, key.Scope, key.Owner, key.Name, cancellationToken) is { } value)
                {
                    found.Add(value);
                }
            }

            return found;
        }

        public Task<IReadOnlyList<ResolvedSecret>> ReadAllAsync(Principal principal, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RecordUsageAsync(IReadOnlyList<SecretUsage> usages, CancellationToken cancellationToken)
        {
            Usages.AddRange(usages);
            return Task.CompletedTask;
        }
    }

    /// <summary>A node type "echo" whose output is its rendered "text" field, and which checks the redactor already knows every value.</summary>
    private sealed class EchoRunner(SecretRedactor redactor) : INodeRunner
    {
        public string Type => "http";

        public List<string> Seen { get; } = [];

        public Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken)
        {
            Assert.All(context.Secrets.Values, v => Assert.True(redactor.ContainsSecret(v), "value registered before the node runs"));
            var text = context.Renderer.Render(Secrets.Runtime.References.TemplateParser.Parse(context.Node.Configuration["url"]!.GetValue<string>()));
            Seen.Add(text);
            return Task.FromResult(new NodeOutcome(new JsonObject { ["url"] = text }, JsonValue.Create(text), false, [$"sent {text}"]));
        }
    }

    private sealed class Collect : ILogEventSink
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public void Emit(LogEvent logEvent) => Lines.Enqueue(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private readonly MemoryReader _reader = new();
    private readonly SecretRedactor _redactor = new();
    private readonly Collect _log = new();
    private readonly EchoRunner _runner;
    private readonly WorkflowExecutor _executor;

    public WorkflowExecutorTests()
    {
        _runner = new EchoRunner(_redactor);
        var logger = new LoggerConfiguration().WriteTo.Sink(_log).CreateLogger();
        _executor = new WorkflowExecutor(_reader, _redactor, logger, [_runner], records: null);
    }

    public void Dispose() => _executor.Dispose();

    private static WorkflowDefinition Workflow(params string[] urls) => WorkflowLoader.Parse($$"""
        { "name": "w", "project": "proj", "owner": "bob", "nodes": [ {{string.Join(",", urls.Select((u, i) => $$"""{ "id": "n{{i}}", "type": "http", "url": "{{u}}" }"""))}} ] }
        """);

    [Fact]
    public async Task A_run_holds_its_values_while_it_runs_and_releases_them_a_grace_period_after_it_ends()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var redactor = new SecretRedactor(new RedactionOptions { ReleaseGracePeriod = TimeSpan.FromSeconds(30) }, clock);
        var runner = new EchoRunner(redactor);
        using var executor = new WorkflowExecutor(_reader, redactor, Logger.None, [runner], records: null);
        _reader.Set(SecretScope.Organization, "default", "A", "run-value-aaaa-1");
        _reader.Set(SecretScope.Organization, "default", "B", "run-value-bbbb-2");

        await executor.RunAsync(Workflow("https://x.test/{{A}}/{{B}}", "https://x.test/{{B}}"), new RunRequest { User = "alice" });
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(2, redactor.Count);
        Assert.Equal("*** ***", redactor.Redact("run-value-aaaa-1 run-value-bbbb-2"));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, redactor.Count);
        Assert.Equal("run-value-aaaa-1", redactor.Redact("run-value-aaaa-1"));
    }

    [Fact]
    public async Task A_project_secret_wins_over_organization_and_personal_and_the_scope_is_recorded()
    {
        _reader.Set(SecretScope.Personal, "alice", "K", "personal-value-1");
        _reader.Set(SecretScope.Organization, "default", "K", "org-value-12345");
        _reader.Set(SecretScope.Project, "proj", "K", "project-value-123");

        var run = await _executor.RunAsync(Workflow("https://x.test/{{K}}"), new RunRequest { User = "alice" });

        Assert.Equal(["https://x.test/project-value-123"], _runner.Seen);
        Assert.Equal(new SecretSourceRecord("K", SecretScope.Project, "proj", 1), Assert.Single(run.Secrets));
    }

    [Fact]
    public async Task An_organization_secret_wins_over_a_personal_one_of_the_same_name()
    {
        _reader.Set(SecretScope.Personal, "alice", "K", "personal-value-1");
        _reader.Set(SecretScope.Organization, "default", "K", "org-value-12345");

        await _executor.RunAsync(Workflow("https://x.test/{{K}}"), new RunRequest { User = "alice" });

        Assert.Equal(["https://x.test/org-value-12345"], _runner.Seen);
    }

    [Theory]
    [InlineData(RunTrigger.Manual, "alice-token-1234")]
    [InlineData(RunTrigger.Schedule, "bob-token-123456")]
    [InlineData(RunTrigger.Api, "bob-token-123456")]
    [InlineData(RunTrigger.Webhook, "bob-token-123456")]
    public async Task Personal_secrets_are_the_starting_users_for_manual_runs_and_the_owners_otherwise(RunTrigger trigger, string expected)
    {
        _reader.Set(SecretScope.Personal, "alice", "GH", "alice-token-1234");
        _reader.Set(SecretScope.Personal, "bob", "GH", "bob-token-123456");

        var run = await _executor.RunAsync(Workflow("https://x.test/{{GH}}"), new RunRequest { User = "alice", Trigger = trigger });

        Assert.Equal([$"https://x.test/{expected}"], _runner.Seen);
        Assert.Equal(trigger == RunTrigger.Manual ? "alice" : "bob", run.Principal);
    }

    [Fact]
    public async Task A_missing_secret_fails_its_node_with_node_path_and_reference_and_stops_the_run()
    {
        _reader.Set(SecretScope.Organization, "default", "OTHER", "other-value-1234");

        var run = await _executor.RunAsync(Workflow("https://x.test/", "https://x.test/{{secrets.MISSING}}", "https://x.test/{{OTHER}}"), new RunRequest { User = "alice" });

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([RunStatus.Succeeded, RunStatus.Failed, RunStatus.Skipped], run.Nodes.Select(n => n.Status));
        var error = run.Nodes[1].Error!;
        Assert.Contains("node 'n1'", error, StringComparison.Ordinal);
        Assert.Contains("$.nodes[1].url", error, StringComparison.Ordinal);
        Assert.Contains("{{secrets.MISSING}}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("other-value", error, StringComparison.Ordinal);
        Assert.Single(_runner.Seen);
    }

    [Fact]
    public async Task Output_logs_and_configuration_holding_a_value_are_masked_in_the_record_and_the_log()
    {
        _reader.Set(SecretScope.Organization, "default", "TOKEN", "tok-abcdef-987654");

        var run = await _executor.RunAsync(Workflow("https://x.test/?t={{TOKEN}}"), new RunRequest { User = "alice" });

        var node = Assert.Single(run.Nodes);
        Assert.Equal("https://x.test/?t=***", node.Output!.GetValue<string>());
        Assert.Equal("https://x.test/?t=***", node.Configuration!["url"]!.GetValue<string>());
        Assert.Equal(["sent https://x.test/?t=***"], node.Logs);
        Assert.True(node.OutputSensitive);
        Assert.DoesNotContain(_log.Lines, l => l.Contains("tok-abcdef", StringComparison.Ordinal));
        Assert.DoesNotContain("tok-abcdef", RunRecordStore.ToJson(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_pins_the_version_it_resolved_and_the_next_run_sees_a_rotation()
    {
        _reader.Set(SecretScope.Organization, "default", "K", "first-value-1234");
        var reads = 0;
        _reader.OnRead = () =>
        {
            if (++reads == 3)
            {
                _reader.Set(SecretScope.Organization, "default", "K", "second-value-5678");
            }
        };

        var first = await _executor.RunAsync(Workflow("https://x.test/{{K}}", "https://x.test/{{K}}"), new RunRequest { User = "alice" });
        var second = await _executor.RunAsync(Workflow("https://x.test/{{K}}"), new RunRequest { User = "alice" });

        Assert.Equal(["https://x.test/first-value-1234", "https://x.test/first-value-1234", "https://x.test/second-value-5678"], _runner.Seen);
        Assert.Equal(1, Assert.Single(first.Secrets).Version);
        Assert.Equal(2, Assert.Single(second.Secrets).Version);
    }

    [Fact]
    public async Task Each_use_is_recorded_for_the_audit_with_workflow_run_node_scope_and_version()
    {
        _reader.Set(SecretScope.Project, "proj", "K", "value-abcdef-1234");

        var run = await _executor.RunAsync(Workflow("https://x.test/{{K}}", "https://x.test/{{secrets.K}}"), new RunRequest { User = "alice" });

        Assert.Equal(
            [
                new SecretUsage(run.RunId, "n0", SecretScope.Project, "proj", SecretName.Parse("K"), 1, "alice") { Workflow = "w" },
                new SecretUsage(run.RunId, "n1", SecretScope.Project, "proj", SecretName.Parse("K"), 1, "alice") { Workflow = "w" },
            ],
            _reader.Usages);
    }

    [Fact]
    public async Task The_workflow_definition_is_never_rewritten_with_values()
    {
        _reader.Set(SecretScope.Project, "proj", "K", "value-abcdef-1234");
        var workflow = Workflow("https://x.test/{{K}}");

        await _executor.RunAsync(workflow, new RunRequest { User = "alice" });

        Assert.Equal("https://x.test/{{K}}", workflow.Nodes[0].Configuration["url"]!.GetValue<string>());
    }
}
