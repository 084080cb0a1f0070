using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>
/// <c>doctor</c>: which isolation layers code nodes run under on this machine. It starts a real worker and asks it
/// what it can see (the home folder, a file in the host's /tmp, the network interfaces), reach (a port the host
/// listens on) and what the kernel says about it (uid, namespaces, seccomp, capabilities, resource limits), so every
/// line is observed, not assumed. A missing layer is a warning on stderr and exit code 1.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the findings as one JSON object" };
        var command = new Command("doctor", "Show which isolation layers code nodes run under here (starts a worker and probes it)") { json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var configuration = context.Configuration(parse);
            var options = configuration.Scripts;
            var home = configuration.Home;
            using var runner = new ScriptRunner(options);
            if (!runner.IsAvailable)
            {
                await context.Console.Error.WriteLineAsync("doctor: the worker program (secrets-runtime-worker.dll) is missing beside secrets-runtime").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (runner.IsolationProblem is { } problem)
            {
                await context.Console.Error.WriteLineAsync($"doctor: {problem}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var rows = await ProbeAsync(runner, options, home, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var result = new JsonObject();
                foreach (var (layer, on, detail) in rows)
                {
                    result[layer] = new JsonObject { ["on"] = on, ["detail"] = detail };
                }

                await context.Console.Out.WriteLineAsync(result.ToJsonString()).ConfigureAwait(false);
            }
            else
            {
                var width = rows.Max(r => r.Layer.Length);
                foreach (var (layer, on, detail) in rows)
                {
                    await context.Console.Out.WriteLineAsync($"{layer.PadRight(width)}  {(on ? "on " : "off")}  {detail}").ConfigureAwait(false);
                }
            }

            var missing = rows.Where(r => !r.On && r.Layer != "fresh worker per run").Select(r => r.Layer).ToList();
            if (missing.Count > 0)
            {
                await context.Console.Error.WriteLineAsync(options.Isolation == WorkerIsolation.Process
                    ? CliContext.UnsandboxedWarning
                    : $"warning: missing isolation layers: {string.Join(", ", missing)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<List<(string Layer, bool On, string Detail)>> ProbeAsync(ScriptRunner runner, ScriptRunnerOptions options, string home, CancellationToken ct)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"secrets-runtime-doctor-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(marker, "host", ct).ConfigureAwait(false);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        JsonObject probe;
        try
        {
            probe = await runner.ProbeAsync([home, marker], ((IPEndPoint)listener.LocalEndpoint).Port, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(marker);
        }

        var sandboxed = runner.Isolation == WorkerIsolation.Bubblewrap;
        var environment = probe["environment"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        var interfaces = probe["interfaces"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        var status = probe["status"]!.AsObject();
        var limits = probe["limits"]!.AsObject();
        var uid = Text(status, "Uid").Split('\t')[0];
        var hostUid = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t')[1] ?? "?" : "?";
        var unshared = probe["namespaces"]!.AsObject()
            .Where(n => n.Value is not null && File.ResolveLinkTarget($"/proc/self/ns/{n.Key}", false)?.ToString() != n.Value.GetValue<string>())
            .Select(n => n.Key).ToList();
        string[] required = ["user", "pid", "net", "ipc", "uts", "mnt"];
        string[] limited = ["Max processes", "Max open files", "Max address space", "Max file size", "Max core file size"];
        var hostTmpVisible = probe["paths"]!.AsObject().Where(p => p.Key != home).Any(p => p.Value!.GetValue<bool>());
        var limitsSet = limited.All(l => Text(limits, l) is { Length: > 0 } v && v != "unlimited");
        return
        [
            ("separate worker process", true, "user code never runs in this process"),
            ("empty environment", environment.All(e => e.StartsWith("DOTNET_", StringComparison.Ordinal) || e is "PWD" or "MALLOC_ARENA_MAX"), $"the worker sees {string.Join(", ", environment)}"),
            ("GC heap hard limit", environment.Contains("DOTNET_GCHeapHardLimit"), string.Create(CultureInfo.InvariantCulture, $"{options.Limits.MaxHeapBytes / (1024 * 1024)} MB")),
            ("API policy", true, "deny by default, on source symbols and on emitted metadata (a usability filter, not the boundary)"),
            ("runtime guards", true, "loop back-edges, method entries and catch filters check time and stack"),
            ("compile worker", true, "Roslyn runs in its own process, never in this one"),
            ("bubblewrap namespaces", sandboxed && required.All(unshared.Contains),
                sandboxed ? $"{runner.Bubblewrap}: own {string.Join(", ", unshared)} namespaces" : "off: SECRETS_RUNTIME_ISOLATION=process (trusted code only)"),
            ("uid inside", uid != hostUid && uid != "0", $"the worker runs as uid {uid}; this process as {hostUid}"),
            ("seccomp filter", Text(status, "Seccomp") == "2", Text(status, "Seccomp") == "2"
                ? $"{ScriptRunner.RefusedSystemCalls.Count} system calls refused, sockets other than AF_UNIX, new processes, namespace flags on clone"
                : "off: the worker runs without a system-call filter"),
            ("no capabilities", Text(status, "CapEff") == "0000000000000000" && Text(status, "NoNewPrivs") == "1", $"effective {Text(status, "CapEff")}, no_new_privs {Text(status, "NoNewPrivs")}"),
            ("resource limits", limitsSet, string.Join(", ", limited.Select(l => $"{l.Replace("Max ", string.Empty, StringComparison.Ordinal)} {Text(limits, l)}"))),
            ("no network", !probe["reachedHostPort"]!.GetValue<bool>() && interfaces.All(i => i == "lo"), $"the worker sees interfaces {string.Join(", ", interfaces)}"),
            ("home folder hidden", !probe["paths"]![home]!.GetValue<bool>(), home),
            ("private /tmp", !hostTmpVisible, "a file the host wrote to /tmp is " + (hostTmpVisible ? "visible" : "not visible")),
            ("fresh worker per run", !options.ReuseWorkers, options.ReuseWorkers ? "off: a worker is reused only by the same tenant, user and credentials (SECRETS_RUNTIME_ISOLATION=strict for one per run)" : "on"),
        ];
    }

    private static string Text(JsonObject source, string key) => source[key]?.GetValue<string>() ?? string.Empty;
}
