using System.Net;
using System.Net.Sockets;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Worker isolation, in both modes: what a worker can see and reach (a probe the worker answers itself, read from the
/// kernel's own reports in /proc), and scripts running under each mode. Bubblewrap is the default and never falls
/// back silently: where it cannot run, code nodes fail with a message that says how to install it and how to opt out.
/// </summary>
/// <remarks>
/// The scripts the runners here run are compiled once for the class into a disk cache (<see cref="CompiledScripts"/>):
/// these tests are about the execution workers, so their runners start no compile worker.
/// </remarks>
public sealed class ScriptIsolationTests : IClassFixture<ScriptIsolationTests.CompiledScripts>, IDisposable
{
    private const string EveryModeScript = "return context.Secrets[\"Key\"].Length + context.Input![\"n\"]!.GetValue<int>();";
    private readonly CompiledScripts _compiled;
    private readonly string _home = Directory.CreateTempSubdirectory("iso-home-").FullName;
    private readonly string _marker;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    /// <summary>A disk compile cache holding the images of the scripts this class runs, compiled by the real compile worker.</summary>
    public sealed class CompiledScripts : IDisposable
    {
        private readonly TemporaryHome _cache = new("isolation-cache-");

        public CompiledScripts()
        {
            using var real = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _cache.Path });
            foreach (var source in (string[])[EveryModeScript, "return 1;", "return 2;"])
            {
                var compilation = real.CompileOnlyAsync(source).GetAwaiter().GetResult();
                if (!compilation.Succeeded)
                {
                    throw new InvalidOperationException("the real compile worker did not compile a script: " + string.Join("; ", compilation.Diagnostics));
                }
            }
        }

        /// <summary>The cache folder: runners given it load the images from disk (checked again) instead of compiling.</summary>
        public string Directory => _cache.Path;

        public void Dispose() => _cache.Dispose();
    }

    public ScriptIsolationTests(CompiledScripts compiled)
    {
        _compiled = compiled;
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
        Assert.Equal(["DOTNET_DefaultStackSize", "DOTNET_GCHeapHardLimit", "DOTNET_NOLOGO", "DOTNET_gcServer", "MALLOC_ARENA_MAX"], probe["environment"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.True(probe["paths"]![_marker]!.GetValue<bool>());
        Assert.True(probe["reachedHostPort"]!.GetValue<bool>());
    }

    [Fact]
    public void Bubblewrap_is_the_default()
    {
        using var runner = new ScriptRunner();

        Assert.Equal(WorkerIsolation.Bubblewrap, runner.Isolation);
    }

    [Fact]
    public async Task A_bubblewrap_worker_sees_no_home_no_host_tmp_and_no_network()
    {
        using var runner = new ScriptRunner();
        var probe = await runner.ProbeAsync([_marker, _home, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "/etc/passwd", "/var", "/usr/share/doc", "/usr/local", "/usr/sbin"], Port);

        // bubblewrap adds PWD (/tmp, from --chdir); nothing of the host's.
        Assert.Equal(["DOTNET_DefaultStackSize", "DOTNET_GCHeapHardLimit", "DOTNET_NOLOGO", "DOTNET_gcServer", "MALLOC_ARENA_MAX", "PWD"], probe["environment"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.All(probe["paths"]!.AsObject(), p => Assert.False(p.Value!.GetValue<bool>(), p.Key));
        Assert.False(probe["reachedHostPort"]!.GetValue<bool>());
        Assert.Equal(["lo"], probe["interfaces"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    [Fact]
    public async Task A_bubblewrap_worker_runs_as_an_unprivileged_uid_in_its_own_namespaces_under_seccomp_and_hard_limits()
    {
        var resources = new WorkerResources { MaxThreads = 100, MaxOpenFiles = 200, MaxFileBytes = 8L * 1024 * 1024 };
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Resources = resources });
        var probe = await runner.ProbeAsync([], null);
        var status = probe["status"]!;
        var namespaces = probe["namespaces"]!;
        var limits = probe["limits"]!;

        Assert.Equal("65534\t65534\t65534\t65534", status["Uid"]!.GetValue<string>());
        Assert.Equal("65534\t65534\t65534\t65534", status["Gid"]!.GetValue<string>());
        Assert.Equal("0000000000000000", status["CapEff"]!.GetValue<string>());
        Assert.Equal("0000000000000000", status["CapPrm"]!.GetValue<string>());
        Assert.Equal("1", status["NoNewPrivs"]!.GetValue<string>());
        Assert.Equal("2", status["Seccomp"]!.GetValue<string>());
        foreach (var kind in (string[])["user", "pid", "net", "ipc", "uts", "mnt"])
        {
            Assert.NotEqual(File.ResolveLinkTarget($"/proc/self/ns/{kind}", false)!.ToString(), namespaces[kind]!.GetValue<string>());
        }

        Assert.Equal("100", limits["Max processes"]!.GetValue<string>());
        Assert.Equal("200", limits["Max open files"]!.GetValue<string>());
        var addressSpace = resources.AddressSpaceBytes(new ScriptLimits().MaxHeapBytes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(addressSpace, limits["Max address space"]!.GetValue<string>());
        Assert.Equal(addressSpace, limits["Max file size"]!.GetValue<string>());
        Assert.Equal("0", limits["Max core file size"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_bubblewrap_a_code_node_fails_saying_how_to_install_it_and_how_to_opt_out()
    {
        var empty = Directory.CreateTempSubdirectory("no-tools-").FullName;
        try
        {
            using var runner = new ScriptRunner(new ScriptRunnerOptions { ToolSearchPath = empty });
            var result = await runner.RunAsync(new ScriptRequest { Source = "return 1;" });

            Assert.Equal(ScriptStatus.Error, result.Status);
            Assert.Null(result.Value);
            Assert.Contains("bwrap", result.Error, StringComparison.Ordinal);
            Assert.Contains("apt-get install bubblewrap", result.Error, StringComparison.Ordinal);
            Assert.Contains("SECRETS_RUNTIME_ISOLATION=process", result.Error, StringComparison.Ordinal);
            Assert.Equal(0, runner.Compiles);
            Assert.Equal(0, runner.WorkerCount);
            await Assert.ThrowsAsync<InvalidOperationException>(() => runner.ProbeAsync([], null));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Theory]
    [InlineData(WorkerIsolation.Process)]
    [InlineData(WorkerIsolation.Bubblewrap)]
    public async Task Scripts_run_the_same_in_every_mode(WorkerIsolation isolation)
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { Isolation = isolation, CacheDirectory = _compiled.Directory });
        var result = await runner.RunAsync(new ScriptRequest
        {
            Source = EveryModeScript,
            Secrets = new Dictionary<string, string> { ["Key"] = "abcdef" },
            InputJson = "{\"n\":4}",
        });

        Assert.Equal(10, result.Value!.GetValue<int>());
    }

    [Fact]
    public async Task The_strictest_mode_never_reuses_a_worker()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { ReuseWorkers = false, CacheDirectory = _compiled.Directory });
        var first = await runner.RunAsync(new ScriptRequest { Source = "return 1;", Tenant = "t" });
        var second = await runner.RunAsync(new ScriptRequest { Source = "return 2;", Tenant = "t" });

        Assert.Equal((1, 2), (first.Value!.GetValue<int>(), second.Value!.GetValue<int>()));
        Assert.Equal(0, runner.IdleWorkers("t"));
    }
}
