namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>doctor</c> reports what a real worker observes, in both isolation modes, and warns when a layer is missing.</summary>
public sealed class DoctorCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Line(string output, string layer) =>
        output.Split('\n').Single(l => l.StartsWith(layer, StringComparison.Ordinal));

    [Fact]
    public async Task In_process_mode_the_worker_sees_the_hosts_files_and_network_and_doctor_warns()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";

        var (code, output, error) = await _cli.RunAsync("doctor");

        Assert.Equal(1, code);
        Assert.Contains("  on   the worker sees DOTNET_DefaultStackSize, DOTNET_GCHeapHardLimit", Line(output, "empty environment"), StringComparison.Ordinal);
        Assert.Contains("off  off: SECRETS_RUNTIME_ISOLATION=process (trusted code only)", Line(output, "bubblewrap namespaces"), StringComparison.Ordinal);
        foreach (var layer in new[] { "home folder hidden", "no network", "seccomp filter", "resource limits", "uid inside" })
        {
            Assert.Contains("off", Line(output, layer), StringComparison.Ordinal);
        }

        Assert.Equal("warning: SECRETS_RUNTIME_ISOLATION=process runs code nodes without a sandbox: use it for trusted code only", error.Trim());
        Assert.DoesNotContain("SECRETS_RUNTIME_MASTER_KEY", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_every_layer_is_on_uid_namespaces_seccomp_and_limits_included()
    {
        var (code, output, error) = await _cli.RunAsync("doctor", "--json");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        var report = System.Text.Json.Nodes.JsonNode.Parse(output)!.AsObject();
        Assert.All(report.Where(r => r.Key != "fresh worker per run"), r => Assert.True(r.Value!["on"]!.GetValue<bool>(), r.Key));
        Assert.StartsWith("the worker runs as uid 65534", report["uid inside"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("own user, pid, net, ipc, uts, mnt", report["bubblewrap namespaces"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("processes 128", report["resource limits"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_isolation_mode_is_a_one_line_error_that_does_not_echo_it()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "chroot";

        var (code, _, error) = await _cli.RunAsync("doctor");

        Assert.Equal(2, code);
        Assert.Equal("error: SECRETS_RUNTIME_ISOLATION is not bubblewrap, strict or process", error.Trim());
    }
}
