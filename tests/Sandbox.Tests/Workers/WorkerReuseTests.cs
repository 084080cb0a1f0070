using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Worker reuse never crosses a secret boundary: a worker that held values is reused only for the same tenant,
/// principal and credentials, and one that used CPU while idle (seen from /proc, whatever ran inside) is killed and
/// the run that left the work behind is reported.
/// </summary>
/// <remarks>
/// Every test runs the same script, compiled once for the class into a disk cache (<see cref="CompiledScript"/>): the
/// runners here start execution workers only, never a compile worker, since reuse is about execution workers.
/// </remarks>
[Collection(nameof(WorkerReuseTests))]
public sealed class WorkerReuseTests(WorkerReuseTests.CompiledScript compiled) : IClassFixture<WorkerReuseTests.CompiledScript>
{
    private const string Script = "return context.Secrets.Count;";

    /// <summary>A disk compile cache holding <see cref="Script"/>'s image, compiled by the real compile worker.</summary>
    public sealed class CompiledScript : IDisposable
    {
        private readonly TemporaryHome _cache = new("reuse-cache-");

        public CompiledScript()
        {
            using var real = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _cache.Path });
            var compilation = real.CompileOnlyAsync(Script).GetAwaiter().GetResult();
            if (!compilation.Succeeded)
            {
                throw new InvalidOperationException("the real compile worker did not compile the script: " + string.Join("; ", compilation.Diagnostics));
            }
        }

        /// <summary>The cache folder: runners given it load the image from disk (checked again) instead of compiling.</summary>
        public string Directory => _cache.Path;

        public void Dispose() => _cache.Dispose();
    }

    /// <summary>A runner on the class's compiled image; <paramref name="workerPath"/> replaces the worker program.</summary>
    private ScriptRunner Runner(string? workerPath = null) => new(new ScriptRunnerOptions { CacheDirectory = compiled.Directory, WorkerPath = workerPath });

    private static string BreachProbe => Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll");

    private static ScriptRequest Request(string tenant, string principal, IReadOnlyDictionary<string, string> secrets, string run = "r") =>
        new() { Source = Script, Tenant = tenant, Principal = principal, Secrets = secrets, Run = new Secrets.Runtime.Sandbox.CSharp.ScriptRunInfo(run, "w", "n", "manual") };

    [Fact]
    public async Task A_node_with_no_credentials_never_gets_a_worker_that_held_any()
    {
        using var runner = Runner();
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
        using var runner = Runner();
        await runner.RunAsync(Request("org", "alice", new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" }));

        await runner.RunAsync(Request(tenant, principal, new Dictionary<string, string> { ["Key"] = value }));

        Assert.Equal(tenant == "org" ? 2 : 1, runner.IdleWorkers("org"));
    }

    [Fact]
    public async Task The_same_tenant_principal_and_credentials_reuse_the_warm_worker()
    {
        using var runner = Runner();
        var incidents = new List<WorkerIncident>();
        runner.Incident += (_, incident) => incidents.Add(incident);
        var secrets = new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" };
        await runner.RunAsync(Request("org", "alice", secrets));

        var second = await runner.RunAsync(Request("org", "alice", new Dictionary<string, string>(secrets)));

        Assert.Equal(1, second.Value!.GetValue<int>());
        Assert.Equal(1, runner.IdleWorkers("org"));
        Assert.True(incidents.Count == 0, "an idle incident: " + string.Join("; ", incidents.Select(i => i.Reason)));
        Assert.Equal(0, runner.IdleIncidents);
    }

    [Fact]
    public async Task A_worker_that_burns_cpu_after_answering_is_killed_not_reused_and_its_run_is_reported()
    {
        // The image comes from the disk cache, so the compromised worker (a test-only program speaking the protocol) is
        // the only kind of worker this runner starts.
        var incidents = new List<WorkerIncident>();
        using var runner = Runner(BreachProbe);
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
        using var runner = Runner(BreachProbe);
        var secrets = new Dictionary<string, string> { ["Key"] = "sk_live_reuse_1" };
        await runner.RunAsync(Request("org", "alice", secrets));
        await runner.RunAsync(Request("org", "alice", secrets));

        Assert.Equal(0, runner.IdleIncidents);
        Assert.Equal(1, runner.IdleWorkers("org"));
    }
}
