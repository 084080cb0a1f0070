using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Server.Authentication;
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
        AdminToken = Tokens.Add("admin", [new RoleGrant(SecretScope.Organization, "*", SecretRole.Admin), new RoleGrant(SecretScope.Project, "*", SecretRole.Admin)]);
        WriterToken = Tokens.Add("wendy", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer), new RoleGrant(SecretScope.Organization, "default", SecretRole.Reader)]);
        ReaderToken = Tokens.Add("rita", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Reader), new RoleGrant(SecretScope.Organization, "default", SecretRole.Reader)]);
        OutsiderToken = Tokens.Add("olga", []);
    }

    public string Home { get; }

    public TestTokens Tokens { get; } = new();

    public CollectingSink Logs { get; } = new();

    public StringWriter BootstrapOutput { get; } = new();

    public string AdminToken { get; }

    public string WriterToken { get; }

    public string ReaderToken { get; }

    public string OutsiderToken { get; }

    public SecretsServerOptions Options { get; private set; } = null!;

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
        return SecretsServerHost.CreateBuilder(Options, services => services.Replace(ServiceDescriptor.Singleton<ITokenAuthenticator>(Tokens)));
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
