namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>doctor</c> reports what a real worker observes, in both isolation modes.</summary>
public sealed class DoctorCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Line(string output, string layer) =>
        output.Split('\n').Single(l => l.StartsWith(layer, StringComparison.Ordinal));

    [Fact]
    public async Task In_process_mode_the_worker_has_an_empty_environment_but_sees_the_hosts_files_and_network()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";

        var (code, output, _) = await _cli.RunAsync("doctor");

        Assert.Equal(0, code);
        Assert.Contains("  on   the worker sees DOTNET_DefaultStackSize, DOTNET_GCHeapHardLimit", Line(output, "empty environment"), StringComparison.Ordinal);
        Assert.Contains("off  off (SECRETS_RUNTIME_ISOLATION=process)", Line(output, "bubblewrap namespaces"), StringComparison.Ordinal);
        Assert.Contains("off", Line(output, "home folder hidden"), StringComparison.Ordinal);
        Assert.Contains("off", Line(output, "no network"), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETS_RUNTIME_MASTER_KEY", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_auto_mode_bubblewrap_hides_home_tmp_and_network_when_installed()
    {
        var (code, output, _) = await _cli.RunAsync("doctor", "--json");

        Assert.Equal(0, code);
        var report = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        var sandboxed = report["bubblewrap namespaces"]!["on"]!.GetValue<bool>();
        Assert.Equal(File.Exists("/usr/bin/bwrap") || File.Exists("/bin/bwrap"), sandboxed);
        foreach (var layer in new[] { "no network", "home folder hidden", "private /tmp" })
        {
            Assert.Equal(sandboxed, report[layer]!["on"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task An_unknown_isolation_mode_is_a_one_line_error()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "chroot";

        var (code, _, error) = await _cli.RunAsync("doctor");

        Assert.Equal(2, code);
        Assert.Equal("error: SECRETS_RUNTIME_ISOLATION 'chroot' is not auto, process, bubblewrap or strict", error.Trim());
    }
}
