using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Tests.Hosting;

public sealed class SecretsRuntimeServiceCollectionExtensionsTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("di-");

    private static Dictionary<string, string?> Environment => new()
    {
        ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()),
    };

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
            o.Environment = Environment;
        });
        await using var provider = services.BuildServiceProvider();
        await StartAsync(provider);
        var store = provider.GetRequiredService<ISecretStore>();
        await store.SetAsync(Principal.LocalAdmin("host"), new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("K"), Value = "di-value-123456" });
        var workflow = WorkflowLoader.Parse("""{ "name": "w", "project": "p", "owner": "host", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.K + '!'" } ] }""");

        var record = await provider.GetRequiredService<WorkflowExecutor>().RunAsync(workflow, new RunRequest { User = "host" });

        Assert.Equal(RunStatus.Succeeded, record.Status);
        Assert.Equal("***!", record.Nodes[0].Output!.GetValue<string>());
        Assert.True(provider.GetRequiredService<SecretRedactor>().ContainsSecret("x di-value-123456"));
        Assert.Same(provider.GetRequiredService<SecretRedactor>(), provider.GetRequiredService<SecretsRuntime>().Redactor);
        Assert.True(File.Exists(Path.Combine(_home.FullName, "runs", record.RunId + ".json")));
    }

    [Fact]
    public async Task The_runtime_opens_when_the_host_starts_not_when_it_is_registered_or_resolved()
    {
        await using var provider = new ServiceCollection().AddSecretsRuntime(o =>
        {
            o.Home = _home.FullName;
            o.Environment = Environment;
        }).BuildServiceProvider();

        var early = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<SecretsRuntime>());
        Assert.Contains("opens when the host starts", early.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home.FullName, "secrets.db")));

        await StartAsync(provider);

        Assert.NotNull(provider.GetRequiredService<ISecretStore>());
        Assert.True(File.Exists(Path.Combine(_home.FullName, "secrets.db")));
    }

    [Fact]
    public void Invalid_settings_are_refused_at_registration_listing_every_problem()
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => new ServiceCollection().AddSecretsRuntime(o =>
        {
            o.Home = _home.FullName;
            o.Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_ISOLATION"] = "chroot" };
            o.MaxStaleness = TimeSpan.Zero;
        }));

        Assert.Equal(HostingErrors.OptionsInvalidCode, ex.Code);
        Assert.Contains("SECRETS_RUNTIME_ISOLATION is not bubblewrap, strict or process", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxStaleness", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_home_the_home_comes_from_the_environment_as_for_the_cli()
    {
        var environment = Environment;
        environment["SECRETS_RUNTIME_HOME"] = _home.FullName;
        var services = new ServiceCollection().AddSecretsRuntime(o => o.Environment = environment);

        var options = services.BuildServiceProvider().GetRequiredService<SecretsRuntimeOptions>();

        Assert.Equal(_home.FullName, options.Resolve().Home);
    }

    private static async Task StartAsync(IServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }
}
