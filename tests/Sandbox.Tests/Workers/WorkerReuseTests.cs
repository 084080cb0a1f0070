using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Worker reuse never crosses a secret boundary: a worker that held values is reused only for the same tenant,
/// principal and credentials, and one that used CPU while idle (seen from /proc, whatever ran inside) is killed and
/// the run that left the work behind is reported.
/// </summary>
[Collection(nameof(WorkerReuseTests))]
public sealed class WorkerReuseTests : IDisposable
{
    private const string Script = "return context.Secrets.Count;";
    private readonly TemporaryHome _home = new("reuse-cache-");

    public void Dispose() => _home.Dispose();

    private static ScriptRequest Request(string tenant, string principal, IReadOnlyDictionary<string, string> secrets, string run = "r") =>
        new() { Source = Script, Tenant = tenant, Principal = principal, Secrets = secrets, Run = new Secrets.Runtime.Sandbox.CSharp.ScriptRunInfo(run, "w", "n", "manual") };

    [Fact]
    public async Task A_node_with_no_credentials_never_gets_a_worker_that_held_any()
    {
        using var runner = new ScriptRunner();
        await runner.RunAsync(Request("org", "alice", new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" }));
        Assert.Equal(1, runner.IdleWorkers("org"));

        await runner.RunAsync(Request("org", "alice", new Dictionary<string, string>()));

        // The credential-less run took a fresh worker: both are idle now, each in its own pool.
        Assert.Equal(2, runner.IdleWorkers("org"));
    }

    [Theory]
    [InlineData("org", "bob", "sk_live_reuse_1")]
    [InlineData("org", "alice", "sk_live_reuse_2")]
    [InlineData("other", "alice", "sk_live_reuse_1")]
    public async Task A_different_principal_tenant_or_credential_value_takes_another_worker(string tenant, string principal, string value)
    {
        using var runner = new ScriptRunner();
        await runner.RunAsync(Request("org", "alice", new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" }));

        await runner.RunAsync(Request(tenant, principal, new Dictionary<string, string> { ["Key"] = value }));

        Assert.Equal(tenant == "org" ? 2 : 1, runner.IdleWorkers("org"));
    }

    [Fact]
    public async Task The_same_tenant_principal_and_credentials_reuse_the_warm_worker()
    {
        using var runner = new ScriptRunner();
        var secrets = new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" };
        await runner.RunAsync(Request("org", "alice", secrets));

        var second = await runner.RunAsync(Request("org", "alice", new Dictionary<string, string>(secrets)));

        Assert.Equal(1, second.Value!.GetValue<int>());
        Assert.Equal(1, runner.IdleWorkers("org"));
        Assert.Equal(0, runner.IdleIncidents);
    }

    [Fact]
    public async Task A_worker_that_burns_cpu_after_answering_is_killed_not_reused_and_its_run_is_reported()
    {
        // The image is compiled once by the real compile worker into the disk cache, so the compromised worker below
        // (a test-only program speaking the protocol) is the only worker the second runner starts.
        using (var real = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path }))
        {
            Assert.Equal(ScriptStatus.Ok, (await real.RunAsync(new ScriptRequest { Source = Script })).Status);
        }

        var incidents = new List<WorkerIncident>();
        using var runner = new ScriptRunner(new ScriptRunnerOptions
        {
            CacheDirectory = _home.Path,
            WorkerPath = Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll"),
        });
        runner.Incident += (_, incident) => incidents.Add(incident);
        var secrets = new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" };

        var burning = await runner.RunAsync(Request("org", "alice", secrets, run: "run-that-burns") with { InputJson = "{\"burn\":true}" });
        var next = await runner.RunAsync(Request("org", "alice", secrets, run: "next-run"));

        Assert.Equal((ScriptStatus.Ok, ScriptStatus.Ok), (burning.Status, next.Status));
        Assert.Equal(1, runner.IdleIncidents);
        var incident = Assert.Single(incidents);
        Assert.Equal("run-that-burns", incident.RunId);
        Assert.Contains("it was idle", incident.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compromised_worker_that_stays_quiet_is_reused()
    {
        using (var real = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path }))
        {
            await real.RunAsync(new ScriptRequest { Source = Script });
        }

        using var runner = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _home.Path, WorkerPath = Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll") });
        var secrets = new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" };
        await runner.RunAsync(Request("org", "alice", secrets));
        await runner.RunAsync(Request("org", "alice", secrets));

        Assert.Equal(0, runner.IdleIncidents);
        Assert.Equal(1, runner.IdleWorkers("org"));
    }
}
