using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The sandbox as if the API policy had already failed: a test-only program (tests/Sandbox.BreachProbe, referenced by
/// nothing in src/) runs inside a real bubblewrap worker started by the production launcher, with the production
/// namespaces, seccomp filter and limits, and tries what an escaped script would try with native code. Every attempt
/// must fail; the host plants a marker in each thing the worker must not reach, and the probe looks for it.
/// </summary>
public sealed class AssumeBreachTests : IDisposable
{
    private static readonly WorkerResources Resources = new();
    private static readonly long Heap = new ScriptLimits().MaxHeapBytes;
    private readonly string _marker = "breach-marker-" + Guid.NewGuid().ToString("N");
    private readonly string _home = Directory.CreateTempSubdirectory("breach-home-").FullName;
    private readonly string _hostTmp = Path.Combine(Path.GetTempPath(), "breach-planted-" + Guid.NewGuid().ToString("N"));
    private readonly TcpListener _listener = new(IPAddress.IPv6Any, 0);
    private readonly Socket _abstract = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _abstractName = "breach-" + Guid.NewGuid().ToString("N");
    private readonly Process _hostChild;

    public AssumeBreachTests()
    {
        File.WriteAllText(Path.Combine(_home, "master.key"), _marker);
        File.WriteAllText(Path.Combine(_home, "secrets.db"), _marker);
        File.WriteAllText(_hostTmp, _marker);
        _listener.Server.DualMode = true;
        _listener.Start();
        _abstract.Bind(new UnixDomainSocketEndPoint("\0" + _abstractName));
        _abstract.Listen();

        // A host process whose environment and command line hold the marker, as the CLI's hold the master key.
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"sleep 300; : {_marker}"]) { UseShellExecute = false };
        info.Environment["SECRETS_RUNTIME_MASTER_KEY"] = _marker;
        _hostChild = Process.Start(info)!;
    }

    public void Dispose()
    {
        _hostChild.Kill(entireProcessTree: true);
        _hostChild.Dispose();
        _listener.Stop();
        _listener.Dispose();
        _abstract.Dispose();
        File.Delete(_hostTmp);
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Native_code_inside_a_worker_reaches_nothing_of_the_host_and_cannot_exhaust_it()
    {
        var results = await ProbeAsync();

        Assert.False(results["write-private-tmp-allowed"]!["blocked"]!.GetValue<bool>(), "the probe must be able to use its own /tmp (control)");
        var attempts = results.Where(r => r.Key != "write-private-tmp-allowed").ToList();
        Assert.All(attempts, r => Assert.True(r.Value!["blocked"]!.GetValue<bool>(), $"{r.Key}: {r.Value!["detail"]}"));
        Assert.Contains(attempts, r => r.Key == "read-master-key");
        Assert.DoesNotContain(_marker, results.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_named_attack_is_attempted()
    {
        var results = await ProbeAsync();

        string[] named =
        [
            "read-master-key", "read-store", "read-host-tmp", "host-environ", "host-cmdline", "connect-tcp-127.0.0.1", "connect-tcp-[::1]",
            "connect-unix-abstract", $"ptrace-attach-{_hostChild.Id}", $"ptrace-attach-{Environment.ProcessId}", "process_vm_readv", "write-/breach",
            "write-/usr/lib/breach", "fork-1000", "exec-a-program", "threads-1000", "allocate-native", "allocate-managed", "raise-nproc",
            "raise-address-space", "unshare-user", "mount-tmpfs", "keyctl", "bpf", "userfaultfd", "io_uring_setup", "clone-newuser", "raw-socket-inet",
        ];
        Assert.All(named, n => Assert.True(results.ContainsKey(n), n));
        // The thread bomb stops at the process limit (threads count against it), not at some other failure.
        var threads = int.Parse(results["threads-1000"]!["detail"]!.GetValue<string>().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(threads, 64, Resources.MaxThreads);
        Assert.Equal("0 processes started", results["fork-1000"]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_probe_without_the_sandbox_reaches_the_host_so_it_can_fail()
    {
        string[] harmless = ["read-master-key", "read-store", "read-host-tmp", "host-environ", "host-cmdline", "connect-tcp-127.0.0.1", "connect-unix-abstract", "raw-socket-inet"];
        var results = await ProbeAsync(WorkerIsolation.Process, harmless);

        Assert.Equal(harmless, results.Select(r => r.Key));
        Assert.All(results, r => Assert.False(r.Value!["blocked"]!.GetValue<bool>(), r.Key));
    }

    private async Task<JsonObject> ProbeAsync(WorkerIsolation isolation = WorkerIsolation.Bubblewrap, string[]? only = null)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll");
        var request = new JsonObject
        {
            ["marker"] = _marker,
            ["masterKey"] = Path.Combine(_home, "master.key"),
            ["store"] = Path.Combine(_home, "secrets.db"),
            ["hostTmp"] = _hostTmp,
            ["hostPids"] = new JsonArray(_hostChild.Id, Environment.ProcessId),
            ["port"] = ((IPEndPoint)_listener.LocalEndpoint).Port,
            ["abstractSocket"] = _abstractName,
            ["workerFolder"] = AppContext.BaseDirectory.TrimEnd('/'),
            ["addressSpace"] = Resources.AddressSpaceBytes(Heap),
            ["heap"] = Heap,
            ["only"] = only is null ? null : new JsonArray(only.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
        };

        using var worker = WorkerLauncher.Start(probe, ["--attack"], Heap, isolation, Resources);
        await worker.SendAsync(request.ToJsonString(), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var line = await worker.ReadLineAsync(1024 * 1024, timeout.Token);
        if (line is null)
        {
            // Its exit status and all of its stderr, so a failure here says why.
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(5));
            Assert.Fail($"the probe printed nothing (exit {worker.ExitCode}): {worker.ErrorTail}");
        }

        return JsonNode.Parse(line)!.AsObject();
    }
}
