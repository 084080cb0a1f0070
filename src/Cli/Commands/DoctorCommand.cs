using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>
/// <c>doctor</c>: which isolation layers code nodes run under on this machine. It starts a real worker and asks it
/// what it can see (the home folder, a file in the host's /tmp, the network interfaces) and reach (a port the host
/// listens on), so every line is observed, not assumed.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the findings as one JSON object" };
        var command = new Command("doctor", "Show which isolation layers code nodes run under here (starts a worker and probes it)") { json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var options = context.ScriptOptions(parse);
            var home = context.StoreOptions(parse).Home;
            using var runner = new ScriptRunner(options);
            if (!runner.IsAvailable)
            {
                await context.Console.Error.WriteLineAsync("doctor: the worker program (secrets-runtime-worker.dll) is missing beside secrets-runtime").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

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
            var rows = new List<(string Layer, bool On, string Detail)>
            {
                ("separate worker process", true, "user code never runs in this process"),
                ("empty environment", environment.All(e => e.StartsWith("DOTNET_", StringComparison.Ordinal) || e == "PWD"), $"the worker sees {string.Join(", ", environment)}"),
                ("GC heap hard limit", environment.Contains("DOTNET_GCHeapHardLimit"), string.Create(CultureInfo.InvariantCulture, $"{options.Limits.MaxHeapBytes / (1024 * 1024)} MB")),
                ("API policy", true, "deny by default, on source symbols and on emitted metadata"),
                ("runtime guards", true, "loop back-edges, method entries and catch filters check time and stack"),
                ("compile worker", true, "Roslyn runs in its own process, never in this one"),
                ("bubblewrap namespaces", sandboxed, sandboxed ? $"{ScriptRunner.BubblewrapPath}: own namespaces, read-only system folders"
                    : options.Isolation == WorkerIsolation.Process ? "off (SECRETS_RUNTIME_ISOLATION=process)" : "off: bwrap is not installed or cannot create namespaces here (apt-get install bubblewrap)"),
                ("no network", !probe["reachedHostPort"]!.GetValue<bool>() && interfaces.All(i => i == "lo"), $"the worker sees interfaces {string.Join(", ", interfaces)}"),
                ("home folder hidden", !probe["paths"]![home]!.GetValue<bool>(), home),
                ("private /tmp", !probe["paths"]![marker]!.GetValue<bool>(), "a file the host wrote to /tmp is " + (probe["paths"]![marker]!.GetValue<bool>() ? "visible" : "not visible")),
                ("fresh worker per run", !options.ReuseWorkers, options.ReuseWorkers ? "off: workers are reused by the same tenant after successful runs (SECRETS_RUNTIME_ISOLATION=strict for one per run)" : "on"),
            };

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

            return ExitCodes.Ok;
        }));
        return command;
    }
}
