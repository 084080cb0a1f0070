using System.Diagnostics;
using Secrets.Runtime.Tests.Support;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// A host killed without a chance to clean up (SIGKILL, the OOM killer) takes its workers with it: no sandboxed worker
/// that holds a run's values outlives the process that started it.
/// </summary>
public sealed class HostDeathTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_workers_of_a_host_killed_mid_run_die_with_it()
    {
        await _cli.PipeAsync("sk_live_host_death_41", "secret", "set", "API_KEY");
        var script = _cli.Script("await Task.Delay(30_000); return context.Secrets[\"Key\"].Length;");
        var cli = Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll");
        var info = new ProcessStartInfo("dotnet", [cli, "exec", script, "--credential", "Key=API_KEY", "--timeout", "60000"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["SECRETS_RUNTIME_HOME"] = _cli.Home;
        info.Environment["SECRETS_RUNTIME_MASTER_KEY"] = _cli.Environment["SECRETS_RUNTIME_MASTER_KEY"];
        using var host = Process.Start(info)!;
        try
        {
            // Wait until the run is inside a sandboxed execution worker: besides the compile worker, a second
            // bubblewrap sandbox started by the host.
            var workers = new List<int>();
            for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(90) && !host.HasExited;)
            {
                workers = Workers(host.Id);
                if (workers.Count >= 2)
                {
                    break;
                }

                await Task.Delay(100);
            }

            if (host.HasExited)
            {
                Assert.Fail("the host ended before its run was inside a worker: " + await host.StandardError.ReadToEndAsync());
            }

            await Task.Delay(1000);
            workers = Workers(host.Id);
            var tree = workers.SelectMany(ProcessTree.Of).ToList();
            Assert.Contains(tree, p => Command(p).Contains("secrets-runtime-worker", StringComparison.Ordinal));

            host.Kill(entireProcessTree: false);
            await host.WaitForExitAsync();

            var left = tree;
            for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(20) && left.Count > 0;)
            {
                await Task.Delay(100);
                left = left.Where(Alive).ToList();
            }

            Assert.True(left.Count == 0, "worker processes outlived their host: " + string.Join(", ", left.Select(p => $"{p} {Command(p)}")));
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The sandboxes the host started itself: its bubblewrap children.</summary>
    private static List<int> Workers(int host) =>
        ProcessTree.Children(host).Where(p => Command(p).Contains("bwrap", StringComparison.Ordinal)).ToList();

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Alive and not a zombie (a zombie has already died and holds nothing).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
