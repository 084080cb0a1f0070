using System.Net.NetworkInformation;
using System.Net.Sockets;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>What a worker can see and reach, for <c>secrets-runtime doctor</c> and the isolation tests.</summary>
internal static class WorkerProbe
{
    /// <summary>Answers <paramref name="probe"/> from inside the worker.</summary>
    public static ProbeAnswer Answer(ProbeRequest probe)
    {
        var paths = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var path in probe.Paths)
        {
            paths[path] = File.Exists(path) || Directory.Exists(path);
        }

        var reached = false;
        if (probe.Port is { } port)
        {
            try
            {
                using var client = new TcpClient();
                reached = client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
            catch (SocketException)
            {
            }
        }

        return new ProbeAnswer(
            Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal).ToList(),
            paths, Interfaces().ToList(), reached, Environment.ProcessId, Status(), Namespaces(), Limits());
    }

    /// <summary>The network interfaces of the worker's network namespace, from /proc (no socket needed: the filter refuses netlink).</summary>
    private static IEnumerable<string> Interfaces() =>
        File.Exists("/proc/self/net/dev")
            ? File.ReadLines("/proc/self/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n.Length > 0)
            : NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name);

    /// <summary>Identity and confinement as the kernel reports them: uid and gid (real, effective), capabilities, no_new_privs, seccomp mode.</summary>
    private static Dictionary<string, string> Status()
    {
        var status = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status") : [])
        {
            var (name, value) = (line.Split(':')[0], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            if (name is "Uid" or "Gid" or "CapEff" or "CapPrm" or "CapBnd" or "NoNewPrivs" or "Seccomp")
            {
                status[name] = value;
            }
        }

        return status;
    }

    /// <summary>The namespaces the worker is in (the kernel's ids, to compare with the host's).</summary>
    private static Dictionary<string, string?> Namespaces()
    {
        var namespaces = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var kind in (string[])["user", "pid", "net", "ipc", "uts", "mnt", "cgroup"])
        {
            namespaces[kind] = File.ResolveLinkTarget($"/proc/self/ns/{kind}", returnFinalTarget: false)?.ToString();
        }

        return namespaces;
    }

    /// <summary>The hard resource limits, from /proc/self/limits (name to hard value).</summary>
    private static Dictionary<string, string> Limits()
    {
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").Skip(1) : [])
        {
            // Columns: name (padded to 26), soft limit (21), hard limit (21), units.
            if (line.Length > 47)
            {
                limits[line[..26].Trim()] = line.Substring(47, Math.Min(21, line.Length - 47)).Trim();
            }
        }

        return limits;
    }
}
