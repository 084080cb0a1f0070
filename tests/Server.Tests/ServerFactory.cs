using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Tests;

/// <summary>
/// The server in-process (WebApplicationFactory over <see cref="SecretsServerHost.CreateBuilder"/>), on a fresh home
/// folder, with its logs collected and a few users: an admin, a writer and a reader of project <c>alpha</c>, and an
/// outsider with no grants.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<ServerFactory>
{
    private readonly Action<SecretsServerOptions>? _configure;

    public ServerFactory()
        : this(null)
    {
    }

    public ServerFactory(Action<SecretsServerOptions>? configure)
    {
        _configure = configure;
        Home = Directory.CreateTempSubdirectory("srt-server-").FullName;
        _users = new Lazy<Users>(CreateUsers);
    }

    private readonly Lazy<Users> _users;

    private sealed record Users(string Admin, string Writer, string Reader, string Outsider);

    public string Home { get; }

    public CollectingSink Logs { get; } = new();

    public StringWriter BootstrapOutput { get; } = new();

    /// <summary>The bootstrap token the server printed on its first start: user <c>admin</c>, every scope.</summary>
    public string AdminToken => _users.Value.Admin;

    /// <summary>User <c>wendy</c>: writer of project alpha, reader of organization default.</summary>
    public string WriterToken => _users.Value.Writer;

    /// <summary>User <c>rita</c>: reader of project alpha and organization default.</summary>
    public string ReaderToken => _users.Value.Reader;

    /// <summary>User <c>olga</c>: no grants.</summary>
    public string OutsiderToken => _users.Value.Outsider;

    public SecretsServerOptions Options { get; private set; } = null!;

    public SecretStore Store => (SecretStore)Services.GetRequiredService<ISecretStore>();

    /// <summary>Grants <paramref name="grants"/> to <paramref name="user"/> and creates a token with <paramref name="scopes"/> (all when none), as the admin.</summary>
    public string CreateToken(string user, IReadOnlyList<RoleGrant> grants, params string[] scopes)
    {
        _ = _users.Value;
        return CreateTokenAsync(user, grants, scopes).GetAwaiter().GetResult();
    }

    private async Task<string> CreateTokenAsync(string user, IReadOnlyList<RoleGrant> grants, string[] scopes)
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
            Scopes = scopes.Length == 0 ? Authentication.ApiScopes.All : scopes,
        });
        return issued.Bearer;
    }

    private Users CreateUsers()
    {
        _ = Services;
        var admin = BootstrapOutput.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Single(l => l.StartsWith(Secrets.Runtime.Store.Access.AccessStore.TokenPrefix, StringComparison.Ordinal));
        return new Users(
            admin,
            CreateTokenAsync("wendy", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer), new RoleGrant(SecretScope.Organization, "default", SecretRole.Reader)], []).GetAwaiter().GetResult(),
            CreateTokenAsync("rita", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Reader), new RoleGrant(SecretScope.Organization, "default", SecretRole.Reader)], []).GetAwaiter().GetResult(),
            CreateTokenAsync("olga", [], []).GetAwaiter().GetResult());
    }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token.</summary>
    public HttpClient ClientFor(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override IHostBuilder CreateHostBuilder()
    {
        Options = new SecretsServerOptions
        {
            Runtime = new Hosting.SecretsRuntimeOptions { Home = Home, Environment = new Dictionary<string, string?>() },
            WriteLogsTo = sinks => sinks.Sink(Logs),
            BootstrapOutput = BootstrapOutput,
        };
        _configure?.Invoke(Options);
        return SecretsServerHost.CreateBuilder(Options);
    }

    // The server has no content of its own: the content root is where the tests run, not a folder beside the solution.
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseContentRoot(builder, AppContext.BaseDirectory);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(Home, recursive: true);
            }
            catch (IOException)
            {
                // A worker may still hold a file for a moment; the temp folder is cleaned by the OS then.
            }
        }
    }
}
