using System.Net;
using System.Net.Sockets;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Worker isolation, in both modes: what a worker can see and reach (a probe the worker answers itself), and scripts
/// running under each mode. Bubblewrap is installed by .ci/run; on a machine without it, asking for it is a clear error.
/// </summary>
public sealed class ScriptIsolationTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("iso-home-").FullName;
    private readonly string _marker;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public ScriptIsolationTests()
    {
        _marker = Path.Combine(_home, "store.db");
        File.WriteAllText(_marker, "not for workers");
        _listener.Start();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task A_process_worker_has_an_empty_environment_but_shares_the_hosts_view()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Isolation = WorkerIsolation.Process });
        var probe = await runner.ProbeAsync([_marker], Port);

        Assert.Equal(WorkerIsolation.Process, runner.Isolation);
        Assert.Equal(["DOTNET_DefaultStackSize", "DOTNET_GCHeapHardLimit", "DOTNET_NOLOGO", "DOTNET_gcServer"], probe["environment"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.True(probe["paths"]![_marker]!.GetValue<bool>());
        Assert.True(probe["reachedHostPort"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_bubblewrap_worker_sees_no_home_no_host_tmp_and_no_network()
    {
        if (WorkerLauncher.BubblewrapPath is null)
        {
            var error = Assert.Throws<InvalidOperationException>(() => new ScriptRunner(new ScriptRunnerOptions { Isolation = WorkerIsolation.Bubblewrap }));
            Assert.Contains("bubblewrap", error.Message, StringComparison.Ordinal);
            Assert.Equal(WorkerIsolation.Process, new ScriptRunner().Isolation);
            return;
        }

        using var runner = new ScriptRunner(new ScriptRunnerOptions { Isolation = WorkerIsolation.Bubblewrap });
        var probe = await runner.ProbeAsync([_marker, _home, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)], Port);

        Assert.Equal(WorkerIsolation.Bubblewrap, runner.Isolation);
        // bubblewrap adds PWD (/tmp, from --chdir); nothing of the host's.
        Assert.Equal(["DOTNET_DefaultStackSize", "DOTNET_GCHeapHardLimit", "DOTNET_NOLOGO", "DOTNET_gcServer", "PWD"], probe["environment"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.False(probe["paths"]![_marker]!.GetValue<bool>());
        Assert.False(probe["paths"]![_home]!.GetValue<bool>());
        Assert.False(probe["reachedHostPort"]!.GetValue<bool>());
        Assert.Equal(["lo"], probe["interfaces"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    [Theory]
    [InlineData(WorkerIsolation.Process)]
    [InlineData(WorkerIsolation.Auto)]
    public async Task Scripts_run_the_same_in_every_mode(WorkerIsolation isolation)
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Isolation = isolation });
        var result = await runner.RunAsync(new ScriptRequest
        {
            Source = "return context.Secrets[\"Key\"].Length + context.Input![\"n\"]!.GetValue<int>();",
            Secrets = new Dictionary<string, string> { ["Key"] = "abcdef" },
            InputJson = "{\"n\":4}",
        });

        Assert.Equal(10, result.Value!.GetValue<int>());
    }

    [Fact]
    public async Task The_strictest_mode_never_reuses_a_worker()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { ReuseWorkers = false });
        var first = await runner.RunAsync(new ScriptRequest { Source = "return 1;", Tenant = "t" });
        var second = await runner.RunAsync(new ScriptRequest { Source = "return 2;", Tenant = "t" });

        Assert.Equal((1, 2), (first.Value!.GetValue<int>(), second.Value!.GetValue<int>()));
        Assert.Equal(0, runner.IdleWorkers("t"));
    }
}
