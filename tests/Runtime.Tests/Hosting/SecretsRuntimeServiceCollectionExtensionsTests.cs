using Microsoft.Extensions.DependencyInjection;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Tests.Hosting;

public sealed class SecretsRuntimeServiceCollectionExtensionsTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("di-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _home.Delete(recursive: true);
    }

    [Fact]
    public async Task A_host_gets_a_store_a_shared_redactor_and_an_executor_that_masks_with_it()
    {
        var services = new ServiceCollection().AddSecretsRuntime(o =>
        {
            o.Home = _home.FullName;
            o.Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()) };
        });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ISecretStore>();
        await store.SetAsync(Principal.LocalAdmin("host"), new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("K"), Value = "di-value-123456" });
        var workflow = WorkflowLoader.Parse("""{ "name": "w", "project": "p", "owner": "host", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.K + '!'" } ] }""");

        var record = await provider.GetRequiredService<WorkflowExecutor>().RunAsync(workflow, new RunRequest { User = "host" });

        Assert.Equal(RunStatus.Succeeded, record.Status);
        Assert.Equal("***!", record.Nodes[0].Output!.GetValue<string>());
        Assert.True(provider.GetRequiredService<SecretRedactor>().ContainsSecret("x di-value-123456"));
        Assert.True(File.Exists(Path.Combine(_home.FullName, "runs", record.RunId + ".json")));
    }

    [Fact]
    public void A_missing_home_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddSecretsRuntime(_ => { }));
    }
}
