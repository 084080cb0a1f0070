using System.Text.Json.Nodes;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Tests.Hosting;

public sealed class SecretsRuntimeTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("facade-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _home.Delete(recursive: true);
    }

    private SecretsRuntimeOptions Options() => new()
    {
        Home = _home.FullName,
        Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray()) },
    };

    [Theory]
    [InlineData("strict", CodeNodeIsolation.Strict, WorkerIsolation.Bubblewrap, false)]
    [InlineData("bubblewrap", CodeNodeIsolation.Bubblewrap, WorkerIsolation.Bubblewrap, true)]
    [InlineData("auto", CodeNodeIsolation.Bubblewrap, WorkerIsolation.Bubblewrap, true)]
    [InlineData("process", CodeNodeIsolation.Process, WorkerIsolation.Process, true)]
    public void The_isolation_setting_is_expressed_by_the_library(string setting, CodeNodeIsolation isolation, WorkerIsolation workers, bool reuse)
    {
        var options = Options();
        options.Environment = new Dictionary<string, string?>(options.Environment!) { [SecretsRuntimeOptions.IsolationVariable] = setting };

        var configuration = options.Resolve();

        Assert.Equal(isolation, configuration.Isolation);
        Assert.Equal(workers, configuration.Scripts.Isolation);
        Assert.Equal(reuse, configuration.Scripts.ReuseWorkers);
    }

    [Fact]
    public void An_explicit_isolation_wins_over_the_environment()
    {
        var options = Options();
        options.Environment = new Dictionary<string, string?>(options.Environment!) { [SecretsRuntimeOptions.IsolationVariable] = "process" };
        options.Isolation = CodeNodeIsolation.Strict;

        Assert.Equal(CodeNodeIsolation.Strict, options.Resolve().Isolation);
    }

    [Fact]
    public async Task Evaluation_resolves_only_referenced_secrets_masks_results_and_audits_names()
    {
        await using var runtime = await SecretsRuntime.OpenAsync(Options());
        var admin = Principal.LocalAdmin("ana");
        await runtime.Store.SetAsync(admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("TOKEN"), Value = "facade-token-98765" });

        var results = await runtime.EvaluateAsync(admin, new EvaluationRequest { Expressions = ["secrets.TOKEN + '/' + inputs.n"], Input = new JsonObject { ["n"] = 1 } });

        Assert.Equal(ExpressionStatus.Ok, results[0].Status);
        Assert.Equal("***/1", results[0].Value!.GetValue<string>());
        var audit = await runtime.Store.AuditAsync(admin, null);
        Assert.Contains(audit, e => e.Detail == "eval");
    }

    [Fact]
    public async Task Test_values_open_no_store_and_keep_no_record()
    {
        var options = Options();
        options.TestValues = new Dictionary<string, string> { ["K"] = "offline-value-4321" };
        await using var runtime = await SecretsRuntime.OpenAsync(options);
        var workflow = WorkflowLoader.Parse("""{ "name": "w", "project": "p", "owner": "ana", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.K + '!'" } ] }""");

        var record = await runtime.RunAsync(workflow, new RunRequest { User = "ana" });

        Assert.Equal("***!", record.Nodes[0].Output!.GetValue<string>());
        Assert.False(runtime.Configuration.KeepRunRecords);
        Assert.Null(runtime.RunRecords);
        Assert.Empty(_home.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task Registering_values_masks_every_value_the_principal_may_use()
    {
        await using var runtime = await SecretsRuntime.OpenAsync(Options());
        var admin = Principal.LocalAdmin("ana");
        await runtime.Store.SetAsync(admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("A"), Value = "registered-value-1111" });

        var count = await runtime.RegisterValuesAsync(admin, purpose: "redact");

        Assert.Equal(1, count);
        Assert.Equal("x *** y", runtime.Redactor.Redact("x registered-value-1111 y"));
    }
}
