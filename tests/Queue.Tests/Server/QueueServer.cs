using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Server;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Queue.Tests.Server;

/// <summary>
/// A real <c>serve</c> (Kestrel on a free loopback port) over a test's PostgreSQL database, with <c>--queue</c> unless
/// told otherwise, and helpers to make users and tokens.
/// </summary>
internal sealed class QueueServer : IAsyncDisposable
{
    private readonly IHost _host;

    private QueueServer(IHost host, string address, string? adminToken)
    {
        _host = host;
        Address = address;
        AdminToken = adminToken;
    }

    public string Address { get; }

    /// <summary>The bootstrap admin token, printed on the first start over an empty store (null on a later start).</summary>
    public string? AdminToken { get; }

    public SecretStore Store => (SecretStore)_host.Services.GetRequiredService<ISecretStore>();

    public static async Task<QueueServer> StartAsync(QueueDatabase db, Action<SecretsServerOptions>? configure = null)
    {
        var bootstrap = new StringWriter();
        var options = new SecretsServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Runtime = new Hosting.SecretsRuntimeOptions { Home = db.Home, Environment = db.Environment },
            BootstrapOutput = bootstrap,
            WriteLogsTo = _ => { },
            Queue = "default",
        };
        configure?.Invoke(options);
        var host = SecretsServerHost.CreateBuilder(options).Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var token = bootstrap.ToString().Split('\n', StringSplitOptions.TrimEntries).SingleOrDefault(l => l.StartsWith("srt_", StringComparison.Ordinal));
        return new QueueServer(host, address, token);
    }

    /// <summary>Grants <paramref name="grants"/> to <paramref name="user"/> and returns a new token of theirs with every scope, or <paramref name="scopes"/>.</summary>
    public async Task<string> TokenForAsync(string user, IReadOnlyList<RoleGrant> grants, params string[] scopes)
    {
        var access = Store.Access;
        var admin = await access.PrincipalAsync("admin");
        foreach (var grant in grants)
        {
            await access.GrantAsync(admin, user, grant);
        }

        var issued = await access.CreateTokenAsync(admin, new Secrets.Runtime.Store.Access.TokenRequest
        {
            Name = "test " + Guid.NewGuid().ToString("N")[..8],
            UserId = user,
            Scopes = scopes.Length == 0 ? Secrets.Runtime.Store.Access.TokenScopes.All : scopes,
        });
        return issued.Bearer;
    }

    public HttpClient ClientFor(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(Address) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
