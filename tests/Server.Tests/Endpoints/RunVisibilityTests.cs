using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Tests.Endpoints;

/// <summary>
/// Who may see a run comes from the run's own record (its project, who started it, whose values it read), not from
/// a map the server process keeps: it holds after a restart, and project admins see every run of their project.
/// </summary>
public sealed class RunVisibilityTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("srt-visibility-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private async Task<(IHost Host, HttpClient Admin, string Bootstrap)> StartAsync(string? adminToken)
    {
        var bootstrap = new StringWriter();
        var host = SecretsServerHost.CreateBuilder(new SecretsServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Runtime = new Hosting.SecretsRuntimeOptions { Home = _home, Environment = new Dictionary<string, string?>() },
            BootstrapOutput = bootstrap,
            WriteLogsTo = sinks => sinks.Sink(new CollectingSink()),
        }).Build();
        await host.StartAsync();
        var token = adminToken ?? bootstrap.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("srt_", StringComparison.Ordinal));
        return (host, Client(host, token), token);
    }

    private static HttpClient Client(IHost host, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<string> TokenAsync(IHost host, string user, params RoleGrant[] grants)
    {
        var access = ((SecretStore)host.Services.GetRequiredService<ISecretStore>()).Access;
        var admin = await access.PrincipalAsync("admin");
        foreach (var grant in grants)
        {
            await access.GrantAsync(admin, user, grant);
        }

        return (await access.CreateTokenAsync(admin, new Secrets.Runtime.Store.Access.TokenRequest { Name = "t-" + user, UserId = user, Scopes = Authentication.ApiScopes.All })).Bearer;
    }

    [Fact]
    public async Task A_run_stays_visible_to_its_starter_and_its_project_admins_after_a_restart_and_to_no_one_else()
    {
        var (host, admin, adminToken) = await StartAsync(null);
        string rita, wendy, pat, bob, storedRun, inlineRun, betaRun;
        try
        {
            rita = await TokenAsync(host, "rita", new RoleGrant(SecretScope.Project, "alpha", SecretRole.Reader));
            wendy = await TokenAsync(host, "wendy", new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer), new RoleGrant(SecretScope.Project, "beta", SecretRole.Writer));
            pat = await TokenAsync(host, "pat", new RoleGrant(SecretScope.Project, "alpha", SecretRole.Admin));
            bob = await TokenAsync(host, "bob", new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer));
            using var wendyClient = Client(host, wendy);
            using var ritaClient = Client(host, rita);

            // Wendy owns the saved workflow; rita's api run of it reads wendy's values, but rita started it.
            Assert.Equal(HttpStatusCode.Created, (await wendyClient.PutJsonAsync("/api/v1/projects/alpha/workflows/daily", RunWorkflows.Workflow("alpha", ("n", "1 + 1")))).StatusCode);
            var stored = await (await ritaClient.PostJsonAsync("/api/v1/projects/alpha/workflows/daily/runs?wait=true", new JsonObject { ["trigger"] = "api" })).JsonAsync();
            Assert.Equal(("wendy", "rita", "alpha"), (stored.GetProperty("principal").GetString(), stored.GetProperty("startedBy").GetString(), stored.GetProperty("project").GetString()));
            storedRun = stored.GetProperty("runId").GetString()!;
            inlineRun = (await (await wendyClient.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Inline(RunWorkflows.Workflow("alpha", ("n", "2"))))).JsonAsync()).GetProperty("runId").GetString()!;
            betaRun = (await (await wendyClient.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Inline(RunWorkflows.Workflow("beta", ("n", "3"))))).JsonAsync()).GetProperty("runId").GetString()!;
        }
        finally
        {
            admin.Dispose();
            await host.StopAsync();
            host.Dispose();
        }

        // A new server process over the same store: nothing of the first process is left.
        (host, admin, _) = await StartAsync(adminToken);
        try
        {
            using var ritaClient = Client(host, rita);
            using var patClient = Client(host, pat);
            using var bobClient = Client(host, bob);

            Assert.Equal(HttpStatusCode.OK, (await ritaClient.GetAsync(Api.Url("/api/v1/runs/" + storedRun))).StatusCode);
            Assert.Equal([storedRun], Ids(await (await ritaClient.GetAsync(Api.Url("/api/v1/runs"))).JsonAsync()));

            // The admin of project alpha sees every run of alpha, and none of beta.
            Assert.Equal(new[] { storedRun, inlineRun }.Order(StringComparer.Ordinal), Ids(await (await patClient.GetAsync(Api.Url("/api/v1/runs"))).JsonAsync()).Order(StringComparer.Ordinal));
            Assert.Equal(HttpStatusCode.OK, (await patClient.GetAsync(Api.Url("/api/v1/runs/" + inlineRun))).StatusCode);
            await Problems.AssertAsync(await patClient.GetAsync(Api.Url("/api/v1/runs/" + betaRun)), HttpStatusCode.NotFound, "run.not_found");

            // A writer of alpha is no admin: he sees no one else's run.
            Assert.Empty(Ids(await (await bobClient.GetAsync(Api.Url("/api/v1/runs"))).JsonAsync()));
            await Problems.AssertAsync(await bobClient.GetAsync(Api.Url("/api/v1/runs/" + storedRun)), HttpStatusCode.NotFound, "run.not_found");
            Assert.Equal(3, Ids(await (await admin.GetAsync(Api.Url("/api/v1/runs"))).JsonAsync()).Count);
        }
        finally
        {
            admin.Dispose();
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static List<string> Ids(System.Text.Json.JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
}
