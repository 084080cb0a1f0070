using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Builds the command line of a worker: the dotnet host and the worker assembly, with an environment holding nothing
/// of the host's (no master key, no store path, no home), a GC heap hard limit, and, under bubblewrap, fresh
/// namespaces with only the .NET runtime and the worker's own folder mounted (read-only).
/// </summary>
internal static class WorkerLauncher
{
    private static readonly Lazy<string?> Bubblewrap = new(FindWorkingBubblewrap);

    /// <summary>The bubblewrap program when it is installed and can create namespaces here; null otherwise.</summary>
    public static string? BubblewrapPath => Bubblewrap.Value;

    /// <summary>The isolation <paramref name="requested"/> resolves to on this machine.</summary>
    public static WorkerIsolation Resolve(WorkerIsolation requested) => requested switch
    {
        WorkerIsolation.Auto => BubblewrapPath is null ? WorkerIsolation.Process : WorkerIsolation.Bubblewrap,
        WorkerIsolation.Bubblewrap when BubblewrapPath is null => throw new InvalidOperationException("bubblewrap isolation was requested but bwrap is not installed or cannot create namespaces here"),
        _ => requested,
    };

    /// <summary>The dotnet host that runs workers, symbolic links resolved.</summary>
    public static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : FindOnPath("dotnet") ?? "dotnet");
        return File.Exists(host) && File.ResolveLinkTarget(host, returnFinalTarget: true) is { } target ? target.FullName : host;
    }

    /// <summary>The start info of a worker running <paramref name="arguments"/> under <paramref name="isolation"/> (already resolved).</summary>
    public static ProcessStartInfo StartInfo(string workerPath, IReadOnlyList<string> arguments, long maxHeapBytes, WorkerIsolation isolation)
    {
        var compiler = arguments.Contains(ScriptWorker.CompileMode);
        var host = DotnetHost();
        var command = new List<string>();
        if (isolation == WorkerIsolation.Bubblewrap)
        {
            command.AddRange(BubblewrapArguments(host, workerPath));
        }

        command.Add(host);
        command.Add(workerPath);
        command.AddRange(arguments);
        var info = new ProcessStartInfo(command[0], command.Skip(1))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            WorkingDirectory = Path.GetTempPath(),
        };

        // An empty environment: nothing of the host's (master key, store path, home) reaches the script.
        info.Environment.Clear();
        info.Environment["DOTNET_GCHeapHardLimit"] = maxHeapBytes.ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";

        // 1 MB thread stacks (scripts run on pool threads): runaway recursion meets the stack guard after a few
        // thousand frames, and unwinding them is quick.
        info.Environment["DOTNET_DefaultStackSize"] = "100000";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (compiler)
        {
            // The compile worker lives long: let Roslyn's hot paths reach optimized code as soon as they are hot (no
            // call-counting delay, no instrumented tier) instead of after the default back-off. Fully optimizing
            // everything up front (TieredCompilation=0) would make its start 2.7 times slower, which a CLI user waits for.
            info.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
            info.Environment["DOTNET_TieredPGO"] = "0";

            // A 64 MB gen0 budget: a compile allocates about 1.7 MB, and with the default budget a garbage collection
            // stopped both of its threads every other compile (0.9 ms of pauses a compile; 0.2 ms with this).
            info.Environment["DOTNET_GCgen0size"] = "4000000";
        }

        return info;
    }

    private static IEnumerable<string> BubblewrapArguments(string host, string workerPath)
    {
        yield return BubblewrapPath!;
        foreach (var argument in (string[])["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp"])
        {
            yield return argument;
        }

        // System folders read-only (merged /usr: /lib, /bin and the like may be links), then the runtime and the worker.
        var mounts = new[] { "/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", Path.GetDirectoryName(host)!, Path.GetDirectoryName(Path.GetFullPath(workerPath))! };
        foreach (var path in mounts.Distinct(StringComparer.Ordinal))
        {
            var info = new DirectoryInfo(path);
            if (info.LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return path;
            }
            else if (info.Exists)
            {
                yield return "--ro-bind";
                yield return path;
                yield return path;
            }
        }
    }

    private static string? FindWorkingBubblewrap()
    {
        if (!OperatingSystem.IsLinux() || FindOnPath("bwrap") is not { } bwrap)
        {
            return null;
        }

        try
        {
            using var probe = Process.Start(new ProcessStartInfo(bwrap, ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (probe is null || !probe.WaitForExit(5000))
            {
                return null;
            }

            return probe.ExitCode == 0 ? bwrap : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
