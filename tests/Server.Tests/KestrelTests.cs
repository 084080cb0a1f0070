using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Secrets.Runtime.Server.Tests;

public sealed class KestrelTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("srt-kestrel-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task A_real_kestrel_on_a_free_loopback_port_serves_the_api_to_an_http_client()
    {
        var bootstrap = new StringWriter();
        var options = new SecretsServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Runtime = new Hosting.SecretsRuntimeOptions { Home = _home, Environment = new Dictionary<string, string?>() },
            BootstrapOutput = bootstrap,
            WriteLogsTo = sinks => sinks.Sink(new CollectingSink()),
        };
        using var host = SecretsServerHost.CreateBuilder(options).Build();
        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            var token = bootstrap.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("srt_", StringComparison.Ordinal));
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Api.Url("/readyz"))).StatusCode);
            var put = await client.PutSecretAsync("/api/v1/projects/alpha/secrets/OVER_TCP", "pw-kestrel-0c1d");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            var record = await (await client.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Echo("alpha", "OVER_TCP", "v.length"))).JsonAsync();
            Assert.Equal("succeeded", record.GetProperty("status").GetString());

            // Kestrel's own body limit holds too: a .env body past MaxRequestBodyBytes is refused.
            var big = await client.PostAsync(Api.Url("/api/v1/projects/alpha/imports"), new StringContent(new string('#', (int)options.MaxRequestBodyBytes + 1)));
            await Problems.AssertAsync(big, HttpStatusCode.RequestEntityTooLarge, "request.too_large");
            Assert.False(big.Headers.Contains("Server"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void A_non_loopback_address_must_be_allowed_explicitly()
    {
        var options = new SecretsServerOptions { Urls = "http://0.0.0.0:8700", Runtime = new Hosting.SecretsRuntimeOptions { Home = _home } };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("not a loopback address", error.Message, StringComparison.Ordinal);
        options.AllowRemote = true;
        options.Validate();
        Assert.Equal("http://127.0.0.1:8700", new SecretsServerOptions().Urls);
    }
}
