using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Server;
using Serilog.Core;
using Serilog.Events;

namespace Secrets.Runtime.Console.Tests;

/// <summary>
/// A real <c>secrets-runtime serve</c> host on a free loopback port with a fresh SQLite store, and Debian's Chromium
/// driven by Playwright. One per test collection; each test opens its own browser context.
/// </summary>
public sealed class ConsoleServer : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("console-tests-").FullName;
    private readonly StringWriter _bootstrap = new();
    private IHost? _host;
    private IPlaywright? _playwright;

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The bootstrap admin's token (all scopes).</summary>
    public string AdminToken { get; private set; } = string.Empty;

    /// <summary>The bootstrap admin's user id.</summary>
    public string AdminUser { get; private set; } = string.Empty;

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Every rendered log line the server wrote.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Where screenshots for the README go: <c>docs/</c> at the repository root.</summary>
    public static string DocsFolder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Secrets.Runtime.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "docs");
        }
    }

    public async Task InitializeAsync()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var options = new SecretsServerOptions
        {
            Urls = BaseUrl,
            BootstrapOutput = _bootstrap,
            WriteLogsTo = sinks => sinks.Sink(new QueueSink(Logs)),
        };
        options.Runtime.Home = _home;
        options.Runtime.Environment = new Dictionary<string, string?>();
        _host = SecretsServerHost.CreateBuilder(options).Build();
        await _host.StartAsync();
        AdminToken = await WaitForBootstrapTokenAsync();
        using var client = Api(AdminToken);
        var me = await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/api/v1/me");
        AdminUser = (string)me!["user"]!;

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // Chromium's own sandbox needs user namespaces it cannot create as root inside this container.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client that calls the API with <paramref name="token"/>.</summary>
    public HttpClient Api(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A new browser context on the server, with clipboard access, recording what it receives.</summary>
    public async Task<(IBrowserContext Context, IPage Page, LeakRecorder Recorder)> OpenAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, AcceptDownloads = true });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = BaseUrl });
        var recorder = new LeakRecorder(context, BaseUrl);
        var page = await context.NewPageAsync();
        recorder.Watch(page);
        return (context, page, recorder);
    }

    /// <summary>Signs <paramref name="page"/> in with <paramref name="token"/> through the sign-in form.</summary>
    public static async Task SignInAsync(IPage page, string token)
    {
        await page.GotoAsync("/console");
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Secrets", Exact = true })).ToBeVisibleAsync();
    }



    /// <summary>Creates or replaces a secret through the API.</summary>
    public async Task PutSecretAsync(string token, string path, string value, string? description = null)
    {
        using var client = Api(token);
        using var response = await client.PutAsJsonAsync(path, new { value, description });
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Creates a system-managed secret owned by <paramref name="integration"/>, as an integration would (not through the API).</summary>
    public async Task PutSystemSecretAsync(string name, string value, string integration)
    {
        var store = _host!.Services.GetRequiredService<Secrets.Runtime.Store.ISecretStore>();
        await store.SetSystemAsync(
            Secrets.Runtime.Store.Principal.LocalAdmin(AdminUser),
            new Secrets.Runtime.Store.SecretWrite { Scope = Secrets.Runtime.Store.SecretScope.Organization, Owner = "default", Name = Secrets.Runtime.Store.SecretName.Parse(name), Value = value },
            integration);
    }

    /// <summary>Creates a token for <paramref name="user"/> (every scope the admin holds), as <c>secrets-runtime token create</c> would; returns its id and bearer.</summary>
    public async Task<(string Id, string Bearer)> CreateTokenAsync(string user)
    {
        var access = _host!.Services.GetRequiredService<Secrets.Runtime.Store.SecretStore>().Access;
        var admin = (await access.AuthenticateAsync(AdminToken)).Principal!;
        var issued = await access.CreateTokenAsync(admin, new Secrets.Runtime.Store.Access.TokenRequest { Name = $"{user}-console-test-{Guid.NewGuid():N}", UserId = user, Scopes = Secrets.Runtime.Server.Authentication.ApiScopes.All });
        return (issued.Info.Id, issued.Bearer);
    }

    /// <summary>Revokes token <paramref name="id"/>, as <c>secrets-runtime token revoke</c> would.</summary>
    public async Task RevokeTokenAsync(string id)
    {
        var access = _host!.Services.GetRequiredService<Secrets.Runtime.Store.SecretStore>().Access;
        await access.RevokeTokenAsync((await access.AuthenticateAsync(AdminToken)).Principal!, id);
    }

    /// <summary>Stores a workflow in <paramref name="project"/> whose expression node reads organization secret <paramref name="secret"/>.</summary>
    public async Task SaveWorkflowAsync(string project, string name, string secret)
    {
        using var client = Api(AdminToken);
        var workflow = Workflow(name, project, secret);
        using var response = await client.PutAsJsonAsync($"/api/v1/projects/{project}/workflows/{name}", workflow);
        Assert.True(response.IsSuccessStatusCode, $"PUT workflow: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Runs an inline 2-node workflow that reads <paramref name="secret"/> and outputs it; returns the run id.</summary>
    public async Task<string> RunInlineAsync(string secret)
    {
        using var client = Api(AdminToken);
        using var response = await client.PostAsJsonAsync("/api/v1/runs?wait=true", new { workflow = Workflow("console-run", "console", secret), input = new { } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST run: {(int)response.StatusCode} {text}");
        return (string)System.Text.Json.Nodes.JsonNode.Parse(text)!["runId"]!;
    }

    private static System.Text.Json.Nodes.JsonObject Workflow(string name, string project, string secret) => new()
    {
        ["name"] = name,
        ["project"] = project,
        ["nodes"] = new System.Text.Json.Nodes.JsonArray(
            new System.Text.Json.Nodes.JsonObject { ["id"] = "read", ["type"] = "expression", ["expression"] = $"secrets.{secret}" },
            new System.Text.Json.Nodes.JsonObject { ["id"] = "shape", ["type"] = "expression", ["expression"] = "({ length: nodes.read.output.length })" }),
    };

    private async Task<string> WaitForBootstrapTokenAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            var text = _bootstrap.ToString();
            var token = text.Split(['\n', ' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => w.StartsWith("srt_", StringComparison.Ordinal));
            if (token is not null)
            {
                return token;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("the server printed no bootstrap token: " + _bootstrap);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class QueueSink(ConcurrentQueue<string> lines) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            var text = new StringBuilder(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (key, value) in logEvent.Properties)
            {
                text.Append(' ').Append(key).Append('=').Append(value);
            }

            if (logEvent.Exception is not null)
            {
                text.Append(' ').Append(logEvent.Exception);
            }

            lines.Enqueue(text.ToString());
        }
    }
}
