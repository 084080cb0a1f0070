// RS0030 (banned API) is off for this file by design: child processes start here and only here, and the launcher finds
// its programs on PATH (eng/banned, docs/ARCHITECTURE.md "Guard-rails").
#pragma warning disable RS0030
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Builds and starts worker processes: the dotnet host and the worker assembly, with an environment holding nothing
/// of the host's (no master key, no store path, no home) and a GC heap hard limit; under bubblewrap also fresh
/// namespaces, a uid that is not the host's, a seccomp filter and hard resource limits.
/// </summary>
/// <remarks>
/// The bubblewrap command, outermost first. A host running as a normal user: <c>bwrap</c> (every namespace, user
/// included, uid 65534 inside, seccomp) runs <c>prlimit</c>, which runs the worker. A host running as root: an outer
/// <c>bwrap</c> (PID, network, IPC, UTS and mount namespaces, and the mounts: root can read the worker's folder
/// wherever it is) runs <c>setpriv</c>, which drops to uid and gid 65534 with no capabilities and no groups, which
/// runs an inner <c>bwrap</c> (a user namespace, seccomp), then <c>prlimit</c> and the worker. Either way the worker
/// runs as 65534 inside, and outside as a uid that is not root's, so the kernel's process limit applies to it. The
/// limits are set inside the worker's own user namespace, where they count only the worker's own threads.
/// </remarks>
internal static class WorkerLauncher
{
    /// <summary>The uid and gid a sandboxed worker runs as, inside its namespace (and outside, when the host is root).</summary>
    public const int SandboxId = 65534;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<SandboxTools>> ToolsByPath = new(StringComparer.Ordinal);

    /// <summary>The programs bubblewrap isolation needs, looked up once per search path (null: the PATH variable).</summary>
    public static SandboxTools Tools(string? searchPath = null) =>
        ToolsByPath.GetOrAdd(searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin", p => new Lazy<SandboxTools>(() => SandboxTools.Find(p))).Value;

    /// <summary>The bubblewrap program when it is installed and can create namespaces here; null otherwise.</summary>
    public static string? BubblewrapPath => Tools().Bubblewrap;

    /// <summary>True when the host runs as root (workers then drop to <see cref="SandboxId"/> outside their namespace too).</summary>
    public static bool HostIsRoot => OperatingSystem.IsLinux() && LibC.geteuid() == 0;

    /// <summary>The dotnet host that runs workers, symbolic links resolved.</summary>
    public static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : FindOnPath("dotnet") ?? "dotnet");
        return File.Exists(host) && File.ResolveLinkTarget(host, returnFinalTarget: true) is { } target ? target.FullName : host;
    }

    /// <summary>
    /// Starts a worker running <paramref name="workerPath"/> with <paramref name="arguments"/>. Under bubblewrap the
    /// seccomp program reaches bubblewrap through a pipe whose read end only the new process inherits.
    /// </summary>
    /// <exception cref="InvalidOperationException">Bubblewrap isolation was asked for and cannot run here.</exception>
    public static WorkerProcess Start(string workerPath, IReadOnlyList<string> arguments, long maxHeapBytes, WorkerIsolation isolation, WorkerResources resources, SandboxTools? tools = null)
    {
        tools ??= Tools();
        if (isolation == WorkerIsolation.Process)
        {
            return Forker.Run(() => WorkerProcess.Start(StartInfo(workerPath, arguments, maxHeapBytes, isolation, resources, tools, seccompFd: -1)));
        }

        if (tools.Problem is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        // One start at a time, on the forking thread. Both ends of the pipe are close-on-exec, so a process another part
        // of the host starts meanwhile inherits neither (a stray write end would keep bubblewrap waiting for the end of
        // the filter); only the read end loses the flag, just before this worker is forked, and closes right after.
        return Forker.Run(() =>
        {
            var fds = new int[2];
            if (LibC.pipe2(fds, LibC.CloseOnExec) != 0)
            {
                throw new InvalidOperationException("could not create a pipe for the seccomp filter");
            }

            try
            {
                using (var write = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fds[1], ownsHandle: true), FileAccess.Write, 1))
                {
                    write.Write(tools.Seccomp!);
                }

                if (LibC.fcntl(fds[0], LibC.SetDescriptorFlags, 0) != 0)
                {
                    throw new InvalidOperationException("could not pass the seccomp filter's pipe to the worker");
                }

                return WorkerProcess.Start(StartInfo(workerPath, arguments, maxHeapBytes, isolation, resources, tools, fds[0]));
            }
            finally
            {
                _ = LibC.close(fds[0]);
            }
        });
    }

    /// <summary>
    /// The one thread every worker is forked from, for as long as the host runs. bubblewrap's <c>--die-with-parent</c> is
    /// <c>PR_SET_PDEATHSIG</c>, which the kernel ties to the thread that forked bubblewrap, not to the host process: a
    /// worker forked from a thread-pool thread was killed (SIGKILL, without a word) when the pool retired that thread.
    /// Starts are serialized here too, which the seccomp pipe needs.
    /// </summary>
    private static class Forker
    {
        private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = [];
        private static readonly Thread Thread = StartThread();

        /// <summary>Runs <paramref name="start"/> on the forking thread and returns what it returned (or throws what it threw).</summary>
        public static T Run<T>(Func<T> start)
        {
            if (Thread.CurrentThread == Thread)
            {
                return start();
            }

            T? result = default;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
            using var done = new ManualResetEventSlim();
            Work.Add(() =>
            {
                try
                {
                    result = start();
                }
                catch (Exception ex)
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                }
                finally
                {
                    done.Set();
                }
            });
            done.Wait();
            failure?.Throw();
            return result!;
        }

        private static Thread StartThread()
        {
            var thread = new Thread(() =>
            {
                foreach (var start in Work.GetConsumingEnumerable())
                {
                    start();
                }
            })
            {
                IsBackground = true,
                Name = "secrets-runtime worker forker",
            };
            thread.Start();
            return thread;
        }
    }

    /// <summary>The start info of a worker (<paramref name="seccompFd"/>: the descriptor bubblewrap reads the filter from).</summary>
    public static ProcessStartInfo StartInfo(string workerPath, IReadOnlyList<string> arguments, long maxHeapBytes, WorkerIsolation isolation, WorkerResources resources, SandboxTools tools, int seccompFd)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(resources);
        var compiler = arguments.Contains(Protocol.WorkerProtocol.CompileMode);
        var host = DotnetHost();
        var command = new List<string>();
        if (isolation == WorkerIsolation.Bubblewrap)
        {
            command.AddRange(SandboxCommand(tools, host, workerPath, maxHeapBytes, resources, seccompFd));
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

        // Two malloc arenas, not eight per core: each arena reserves 64 MB of address space, which the sandbox's
        // address-space limit would otherwise spend on a handful of threads.
        info.Environment["MALLOC_ARENA_MAX"] = "2";
        if (compiler)
        {
            // No instrumented tier: the compile worker's hot paths go straight from their first code to optimized code.
            // The runtime's default call-counting delay stays: without it (0 ms) every method hot during the worker's
            // first compile was recompiled at once, about 1 s more CPU per worker start, and a cold `exec` waited
            // longer for it (median 4.48 s against 3.23 s, 7 alternated runs of the tests' CLI, load 7-10). Fully
            // optimizing everything up front (TieredCompilation=0) would make its start 2.7 times slower, which a CLI
            // user waits for.
            info.Environment["DOTNET_TieredPGO"] = "0";

            // A 64 MB gen0 budget: a compile allocates about 1.7 MB, and with the default budget a garbage collection
            // stopped both of its threads every other compile (0.9 ms of pauses a compile; 0.2 ms with this).
            info.Environment["DOTNET_GCgen0size"] = "4000000";
        }

        return info;
    }

    private static List<string> SandboxCommand(SandboxTools tools, string host, string workerPath, long maxHeapBytes, WorkerResources resources, int seccompFd)
    {
        var id = SandboxId.ToString(CultureInfo.InvariantCulture);
        var seccomp = seccompFd.ToString(CultureInfo.InvariantCulture);
        var root = HostIsRoot;
        var addressSpace = resources.AddressSpaceBytes(maxHeapBytes).ToString(CultureInfo.InvariantCulture);
        var command = new List<string> { tools.Bubblewrap! };
        command.AddRange(root
            ? ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
            : ["--unshare-all", "--uid", id, "--gid", id, "--cap-drop", "ALL", "--seccomp", seccomp]);
        command.AddRange(["--hostname", "sandbox", "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]);
        command.AddRange(["--size", resources.MaxFileBytes.ToString(CultureInfo.InvariantCulture), "--perms", "1777", "--tmpfs", "/tmp", "--dir", "/etc", "--chdir", "/tmp"]);
        command.AddRange(Mounts(tools, host, workerPath));
        command.Add("--");
        if (root)
        {
            command.AddRange([tools.Setpriv!, $"--reuid={id}", $"--regid={id}", "--clear-groups", "--bounding-set=-all", "--inh-caps=-all", "--"]);
            command.AddRange([tools.Bubblewrap!, "--unshare-user", "--uid", id, "--gid", id, "--cap-drop", "ALL", "--die-with-parent", "--seccomp", seccomp, "--dev-bind", "/", "/", "--chdir", "/tmp", "--"]);
        }

        command.AddRange([tools.Prlimit!,
            $"--nproc={resources.MaxThreads}", $"--nofile={resources.MaxOpenFiles}", $"--fsize={addressSpace}", "--core=0", $"--as={addressSpace}", "--"]);
        return command;
    }

    /// <summary>
    /// Read-only mounts: the system libraries the runtime links against (<c>/usr/lib</c>), the runtime, the worker's
    /// own folder, the time-zone database (<c>/usr/share/zoneinfo</c>, when present) and the programs that set the
    /// worker's identity and limits. Folders on the way to a mount are created 0755, so the sandbox uid can reach it;
    /// nothing else of the host's file system is there (no /etc, no /home, no /var, no host /tmp, no rest of /usr/share,
    /// no /usr/local).
    /// </summary>
    private static IEnumerable<string> Mounts(SandboxTools tools, string host, string workerPath)
    {
        var created = new HashSet<string>(StringComparer.Ordinal) { "/", "/tmp", "/etc", "/proc", "/dev" };
        var folders = new[] { "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo", Path.GetDirectoryName(host)!, Path.GetDirectoryName(Path.GetFullPath(workerPath))! }
            .Distinct(StringComparer.Ordinal).ToList();
        var real = folders.Where(f => new DirectoryInfo(f) is { Exists: true, LinkTarget: null }).ToList();
        foreach (var path in folders)
        {
            if (new DirectoryInfo(path).LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return path;
            }
            else if (real.Contains(path) && !IsUnder(path, real.Where(r => r != path)))
            {
                foreach (var argument in Bind(path, created))
                {
                    yield return argument;
                }
            }
        }

        foreach (var program in new[] { tools.Prlimit, tools.Setpriv, tools.Bubblewrap }.OfType<string>().Where(p => !IsUnder(p, real)))
        {
            foreach (var argument in Bind(program, created))
            {
                yield return argument;
            }
        }
    }

    private static IEnumerable<string> Bind(string path, HashSet<string> created)
    {
        foreach (var parent in Ancestors(path).Where(created.Add))
        {
            yield return "--perms";
            yield return "0755";
            yield return "--dir";
            yield return parent;
        }

        yield return "--ro-bind";
        yield return path;
        yield return path;
    }

    private static bool IsUnder(string path, IEnumerable<string> others) =>
        others.Any(o => path.StartsWith(o.TrimEnd('/') + "/", StringComparison.Ordinal));

    private static IEnumerable<string> Ancestors(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < parts.Length; i++)
        {
            yield return "/" + string.Join('/', parts[..i]);
        }
    }

    private static string? FindOnPath(string program, string? searchPath = null) =>
        (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    /// <summary>The programs bubblewrap isolation needs, and what is missing (<see cref="Problem"/>: what to install, how to opt out).</summary>
    internal sealed record SandboxTools(string? Bubblewrap, string? Setpriv, string? Prlimit, byte[]? Seccomp, string? Problem)
    {
        private const string Fix = "install bubblewrap, libseccomp2 and util-linux (apt-get install bubblewrap libseccomp2 util-linux), or, for trusted code only, choose process isolation (SECRETS_RUNTIME_ISOLATION=process)";

        public static SandboxTools Find(string searchPath)
        {
            if (!OperatingSystem.IsLinux())
            {
                return new(null, null, null, null, $"code nodes run under bubblewrap, which needs Linux; for trusted code only, choose process isolation (SECRETS_RUNTIME_ISOLATION=process)");
            }

            var bwrap = FindOnPath("bwrap", searchPath);
            var setpriv = FindOnPath("setpriv", searchPath);
            var prlimit = FindOnPath("prlimit", searchPath);
            var seccomp = SeccompFilter.Bpf;
            var missing = new[] { (bwrap, "bwrap"), (prlimit, "prlimit"), (HostIsRoot ? setpriv : "-", "setpriv") }.Where(p => p.Item1 is null).Select(p => p.Item2).ToList();
            if (missing.Count > 0)
            {
                return new(null, setpriv, prlimit, seccomp, $"code nodes run under bubblewrap, but {string.Join(", ", missing)} is not installed: {Fix}");
            }

            if (seccomp is null)
            {
                return new(null, setpriv, prlimit, null, $"code nodes run under bubblewrap with a seccomp filter, but {SeccompFilter.Problem}: {Fix}");
            }

            return Probe(bwrap!) is { } failure
                ? new(null, setpriv, prlimit, seccomp, $"code nodes run under bubblewrap, but it cannot create namespaces here ({failure}): {Fix}")
                : new(bwrap, setpriv, prlimit, seccomp, null);
        }

        private static string? Probe(string bwrap)
        {
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
                    probe?.Kill();
                    return "the probe did not finish";
                }

                var error = probe.StandardError.ReadToEnd().Trim();
                return probe.ExitCode == 0 ? null : error.Length > 0 ? error.Split('\n')[0] : $"exit code {probe.ExitCode}";
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                return ex.Message;
            }
        }
    }
}
