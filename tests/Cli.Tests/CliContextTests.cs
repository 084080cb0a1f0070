using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Hosting;

namespace Secrets.Runtime.Cli.Tests;

public sealed class CliContextTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("strict")]
    [InlineData("process")]
    [InlineData("bubblewrap")]
    public async Task The_cli_and_AddSecretsRuntime_open_identically_configured_runtimes_from_the_same_settings(string isolation)
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = isolation;

        await using var fromCli = await OpenTheCliWayAsync();
        await using var provider = new ServiceCollection().AddSecretsRuntime(o => o.Environment = _cli.Environment).BuildServiceProvider();
        await StartAsync(provider);
        var fromContainer = provider.GetRequiredService<SecretsRuntime>();

        Assert.Equal(fromCli.Configuration.Describe(), fromContainer.Configuration.Describe());
        Assert.Equal(fromCli.Configuration.Scripts with { Redactor = null }, fromContainer.Configuration.Scripts);
        Assert.Equal(isolation != "strict", fromContainer.Configuration.Scripts.ReuseWorkers);
        Assert.Equal(Path.Combine(_cli.Home, "cache", "scripts"), fromContainer.Configuration.Scripts.CacheDirectory);
    }

    [Fact]
    public async Task The_comparison_sees_a_setting_that_differs()
    {
        await using var fromCli = await OpenTheCliWayAsync();
        var other = new Dictionary<string, string?>(_cli.Environment) { ["SECRETS_RUNTIME_ISOLATION"] = "strict" };
        await using var provider = new ServiceCollection().AddSecretsRuntime(o => o.Environment = other).BuildServiceProvider();
        await StartAsync(provider);

        Assert.NotEqual(fromCli.Configuration.Describe(), provider.GetRequiredService<SecretsRuntime>().Configuration.Describe());
    }

    private Task<SecretsRuntime> OpenTheCliWayAsync()
    {
        var console = new CliConsole { In = new StringReader(string.Empty), Out = TextWriter.Null, Error = TextWriter.Null, Environment = _cli.Environment };
        var context = new CliContext(console);
        var root = new RootCommand { context.HomeOption, context.DatabaseOption, context.UserOption };
        return context.OpenRuntimeAsync(root.Parse([]), CancellationToken.None);
    }

    private static async Task StartAsync(IServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }
}
