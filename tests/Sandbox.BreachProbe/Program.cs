using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

// Without arguments it is started as the host starts an execution worker: it then plays a compromised one.
if (args.Length == 0 || args[0] != "--attack")
{
    return CompromisedWorker.Run();
}

// Every attack an escaped script would try, each reported as { "blocked": bool, "detail": "..." }. Input: one line of
// JSON on stdin with the host's paths, port, pids and marker text (on stdin, so the marker is in no command line).
var request = JsonNode.Parse(Console.In.ReadLine()!)!.AsObject();
var results = new JsonObject();


// "only": the attempts to make (the tests' control run outside the sandbox makes only harmless ones).
var only = request["only"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

void Attempt(string name, Func<(bool Blocked, string Detail)> attack)
{
    if (only is not null && !only.Contains(name))
    {
        return;
    }

    try
    {
        var (blocked, detail) = attack();
        results[name] = new JsonObject { ["blocked"] = blocked, ["detail"] = detail };
    }
    catch (Exception ex)
    {
        results[name] = new JsonObject { ["blocked"] = true, ["detail"] = ex.GetType().Name };
    }
}

string Marker() => request["marker"]!.GetValue<string>();

// Files of the host: the master key, the store, a file planted in the host's /tmp.
foreach (var (name, key) in new[] { ("read-master-key", "masterKey"), ("read-store", "store"), ("read-host-tmp", "hostTmp") })
{
    Attempt(name, () =>
    {
        var text = File.ReadAllText(request[key]!.GetValue<string>());
        return (!text.Contains(Marker(), StringComparison.Ordinal), "read " + text.Length + " characters");
    });
}

// The host's processes: their environment and command line, by pid and by scanning every pid in view.
foreach (var (name, file) in new[] { ("host-environ", "environ"), ("host-cmdline", "cmdline") })
{
    Attempt(name, () =>
    {
        var pids = request["hostPids"]!.AsArray().Select(p => p!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Concat(Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit))!);
        foreach (var pid in pids)
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/{file}").Contains(Marker(), StringComparison.Ordinal))
                {
                    return (false, $"found the marker in /proc/{pid}/{file}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return (true, "no process in view holds the marker");
    });
}

// The network: a TCP port the host listens on at 127.0.0.1, the same over IPv6, and a Unix socket in the host's
// abstract namespace.
Attempt("connect-tcp-127.0.0.1", () =>
{
    using var client = new TcpClient(AddressFamily.InterNetwork);
    client.Connect(IPAddress.Loopback, request["port"]!.GetValue<int>());
    return (false, "connected");
});
Attempt("connect-tcp-[::1]", () =>
{
    using var client = new TcpClient(AddressFamily.InterNetworkV6);
    client.Connect(IPAddress.IPv6Loopback, request["port"]!.GetValue<int>());
    return (false, "connected");
});
Attempt("connect-unix-abstract", () =>
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    socket.Connect(new UnixDomainSocketEndPoint("\0" + request["abstractSocket"]!.GetValue<string>()));
    return (false, "connected");
});
Attempt("raw-socket-inet", () => Result(Native.socket(2, 1, 0), "socket(AF_INET)"));
Attempt("raw-socket-netlink", () => Result(Native.socket(16, 3, 0), "socket(AF_NETLINK)"));

// Other processes' memory.
foreach (var pid in request["hostPids"]!.AsArray().Select(p => p!.GetValue<int>()).Append(1))
{
    Attempt($"ptrace-attach-{pid}", () => Result(Native.ptrace(16, pid, IntPtr.Zero, IntPtr.Zero), $"PTRACE_ATTACH {pid}"));
}

Attempt("process_vm_readv", () => Result(Native.syscall(310, 1, 0, 0, 0, 0, 0), "process_vm_readv"));

// Writing outside the private /tmp (and, for comparison, inside it).
foreach (var path in new[] { "/breach", "/usr/lib/breach", "/etc/breach", request["workerFolder"]!.GetValue<string>() + "/breach", "/proc/sys/kernel/hostname" })
{
    Attempt($"write-{path}", () =>
    {
        File.WriteAllText(path, "x");
        return (false, "written");
    });
}

Attempt("write-private-tmp-allowed", () =>
{
    File.WriteAllText("/tmp/own", "x");
    return (File.ReadAllText("/tmp/own") != "x", "the private /tmp is writable");
});

// New processes: fork 1,000 times, start a program, and start 1,000 threads.
Attempt("fork-1000", () =>
{
    var started = 0;
    for (var i = 0; i < 1000; i++)
    {
        var pid = Native.fork();
        if (pid == 0)
        {
            Native._exit(0);
        }

        if (pid < 0)
        {
            break;
        }

        started++;
    }

    return (started == 0, $"{started} processes started");
});
Attempt("exec-a-program", () =>
{
    using var process = System.Diagnostics.Process.Start("/usr/bin/prlimit", "--version");
    process!.WaitForExit();
    return (false, "started");
});
// Memory: native allocations past the address-space limit, managed past the heap limit.
Attempt("allocate-native", () =>
{
    long total = 0;
    var blocks = new List<IntPtr>();
    try
    {
        while (total < 64L * 1024 * 1024 * 1024)
        {
            var block = Marshal.AllocHGlobal(64 * 1024 * 1024);
            blocks.Add(block);
            total += 64 * 1024 * 1024;
        }
    }
    catch (OutOfMemoryException)
    {
    }
    finally
    {
        blocks.ForEach(Marshal.FreeHGlobal);
    }

    return (total < request["addressSpace"]!.GetValue<long>(), $"{total / (1024 * 1024)} MB allocated");
});
Attempt("allocate-managed", () =>
{
    long total = 0;
    var arrays = new List<byte[]>();
    try
    {
        while (total < 64L * 1024 * 1024 * 1024)
        {
            arrays.Add(GC.AllocateUninitializedArray<byte>(16 * 1024 * 1024));
            total += 16 * 1024 * 1024;
        }
    }
    catch (OutOfMemoryException)
    {
    }

    arrays.Clear();
    GC.Collect();
    return (total < request["heap"]!.GetValue<long>(), $"{total / (1024 * 1024)} MB allocated");
});

// Its own limits and identity.
foreach (var (name, resource) in new[] { ("raise-nproc", 6), ("raise-address-space", 9), ("raise-nofile", 7), ("raise-fsize", 1) })
{
    Attempt(name, () =>
    {
        var limit = new Native.RLimit(ulong.MaxValue, ulong.MaxValue);
        return Result(Native.setrlimit(resource, ref limit), $"setrlimit({resource}) to unlimited");
    });
}

Attempt("setuid-0", () => Result(Native.setuid(0), "setuid(0)"));

// Namespaces, mounts and the kernel interfaces the filter refuses.
Attempt("unshare-user", () => Result(Native.unshare(0x10000000), "unshare(CLONE_NEWUSER)"));
Attempt("unshare-net", () => Result(Native.unshare(0x40000000), "unshare(CLONE_NEWNET)"));
Attempt("mount-tmpfs", () => Result(Native.mount("none", "/tmp", "tmpfs", 0, IntPtr.Zero), "mount"));
Attempt("keyctl", () => Result(Native.syscall(250, 0, 0, 0, 0, 0, 0), "keyctl"));
Attempt("bpf", () => Result(Native.syscall(321, 0, 0, 0, 0, 0, 0), "bpf"));
Attempt("userfaultfd", () => Result(Native.syscall(323, 0, 0, 0, 0, 0, 0), "userfaultfd"));
Attempt("perf_event_open", () => Result(Native.syscall(298, 0, 0, -1, -1, 0, 0), "perf_event_open"));
Attempt("io_uring_setup", () => Result(Native.syscall(425, 1, 0, 0, 0, 0, 0), "io_uring_setup"));
Attempt("clone-newuser", () => Result(Native.syscall(56, 0x10000000 | 17, 0, 0, 0, 0, 0), "clone(CLONE_NEWUSER)"));

// Threads last: a thread bomb can leave the runtime short of threads for a moment after it.
Attempt("threads-1000", () =>
{
    var started = new List<Thread>();
    using var stop = new ManualResetEventSlim();
    try
    {
        for (var i = 0; i < 1000; i++)
        {
            var thread = new Thread(() => stop.Wait()) { IsBackground = true };
            thread.Start();
            started.Add(thread);
        }
    }
    catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
    {
    }
    finally
    {
        stop.Set();
        started.ForEach(t => t.Join());
    }

    return (started.Count < 1000, $"{started.Count} threads started");
});

Console.Out.WriteLine(results.ToJsonString());
return 0;

// A call that returned -1 was refused; anything else got through (a child of a successful clone exits at once).
static (bool Blocked, string Detail) Result(long returned, string call)
{
    if (returned == 0 && call.StartsWith("clone", StringComparison.Ordinal))
    {
        Native._exit(0);
    }

    return returned < 0 ? (true, $"{call}: errno {Marshal.GetLastPInvokeError()}") : (false, $"{call} returned {returned}");
}

/// <summary>
/// A worker that speaks the pipe protocol like the real one, as a script that took the worker over would: it answers
/// every run "ok" at once, and when the run's input says <c>{"burn": true}</c> it first starts a native-speed loop on
/// a thread of its own, which nothing inside the worker counts. Only the host's view from /proc can see it. With
/// <c>{"churn": MS}</c> it burns that much CPU after answering in short-lived threads instead (see <c>Churn</c>). When the
/// input names a lie (<c>{"lie": "..."}</c>) it answers with that line instead: lines shaped to forge an outcome the
/// host must not accept.
/// </summary>
internal static class CompromisedWorker
{
    /// <summary>Answers that try to pass for a result the host should not accept, by name.</summary>
    private static readonly Dictionary<string, string> Lies = new(StringComparer.Ordinal)
    {
        ["not-json"] = "ok",
        ["unknown-type"] = "{\"type\":\"verdict\",\"outcome\":\"Ok\",\"value\":\"1\"}",
        ["no-type"] = "{\"outcome\":\"Ok\",\"value\":\"1\"}",
        ["old-protocol"] = "{\"status\":\"ok\",\"value\":\"1\",\"logs\":[]}",
        ["undefined-limit"] = "{\"type\":\"result\",\"outcome\":\"Limited\",\"limit\":99}",
        ["unknown-outcome"] = "{\"type\":\"result\",\"outcome\":\"Sensitive\",\"value\":\"1\"}",
        ["ok-and-limited"] = "{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"1\",\"limit\":\"Time\"}",
        ["duplicate-outcome"] = "{\"type\":\"result\",\"outcome\":\"Error\",\"error\":\"x\",\"outcome\":\"Ok\",\"value\":\"1\"}",
        ["extra-member"] = "{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"1\",\"sensitive\":false}",
        ["value-not-json"] = "{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"{\\\"a\\\":\"}",
        ["ready-mid-run"] = "{\"type\":\"ready\"}",
        ["compile-answer"] = "{\"type\":\"compiled\",\"image\":\"AA==\"}",
        ["huge"] = "{\"type\":\"log\",\"text\":\"" + new string('x', 4 * 1024 * 1024) + "\"}",
    };

    public static int Run()
    {
        Console.Out.WriteLine("{\"type\":\"ready\"}");
        Console.Out.Flush();
        while (Console.In.ReadLine() is { } line)
        {
            var request = JsonNode.Parse(line)!.AsObject();
            var input = request["context"]?["inputJson"]?.GetValue<string>() ?? string.Empty;
            var asked = JsonNode.Parse(input.Length == 0 ? "{}" : input);
            if (asked?["lie"]?.GetValue<string>() is { } lie)
            {
                Console.Out.WriteLine(Lies[lie]);
                Console.Out.Flush();
                continue;
            }

            if (input.Contains("burn", StringComparison.Ordinal))
            {
                using var spinning = new ManualResetEventSlim();
                new Thread(() =>
                {
                    spinning.Set();
                    var spin = 0L;
                    while (true)
                    {
                        spin++;
                    }
                }) { IsBackground = true }.Start();
                spinning.Wait();
            }

            Console.Out.WriteLine("{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"1\"}");
            Console.Out.Flush();
            if (asked?["churn"]?.GetValue<int>() is { } milliseconds)
            {
                Churn(TimeSpan.FromMilliseconds(milliseconds));
            }
        }

        return 0;
    }

    /// <summary>
    /// Burns <paramref name="cpu"/> of CPU after answering, in threads that each run at most a millisecond and end: at
    /// any look there is at most one short-lived thread, which never stays runnable long enough to be watched, and the
    /// CPU of the threads that ended is no longer in any live thread's account. Then says so on stdout (a line the
    /// host's tests wait for; a real attacker would simply go quiet) and waits for the next request.
    /// </summary>
    private static void Churn(TimeSpan cpu)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var until = self.TotalProcessorTime + cpu;
        var threads = 0;
        while (true)
        {
            self.Refresh();
            if (self.TotalProcessorTime >= until)
            {
                break;
            }

            var burner = new Thread(() =>
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(1))
                {
                }
            });
            burner.Start();
            burner.Join();
            threads++;
        }

        Console.Out.WriteLine("{\"type\":\"log\",\"text\":\"churned in " + threads + " threads\"}");
        Console.Out.Flush();
    }
}

internal static class Native
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit(ulong soft, ulong hard)
    {
        public ulong Soft = soft;
        public ulong Hard = hard;
    }

    [DllImport("libc", SetLastError = true)]
    internal static extern int socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true)]
    internal static extern long ptrace(int request, int pid, IntPtr address, IntPtr data);

    [DllImport("libc", SetLastError = true)]
    internal static extern long syscall(long number, long a, long b, long c, long d, long e, long f);

    [DllImport("libc", SetLastError = true)]
    internal static extern int fork();

    [DllImport("libc")]
    internal static extern void _exit(int code);

    [DllImport("libc", SetLastError = true)]
    internal static extern int setrlimit(int resource, ref RLimit limit);

    [DllImport("libc", SetLastError = true)]
    internal static extern int setuid(int uid);

    [DllImport("libc", SetLastError = true)]
    internal static extern int unshare(int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int mount(string source, string target, string type, ulong flags, IntPtr data);
}
