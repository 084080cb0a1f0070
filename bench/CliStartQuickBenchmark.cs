using System.Diagnostics;
using System.Globalization;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// The CLI as a user meets it: process start to exit for everyday commands, each alternated with <c>--version</c>
/// (the baseline: runtime start and argument parsing only) so both see the same machine. The CLI measured is
/// <c>SECRETS_RUNTIME_CLI</c> (an installed tool, for example) or else the Release build of src/Cli.
/// </summary>
public sealed class CliStartQuickBenchmark : IQuickBenchmark
{
    private const int Rounds = 7;

    /// <inheritdoc />
    public string Name => "cli";

    /// <inheritdoc />
    public IEnumerable<QuickRow> Run()
    {
        if (FindCli() is not { } cli)
        {
            return [new QuickRow(Name, "CLI: process start to exit", "n/a (build src/Cli -c Release, or set SECRETS_RUNTIME_CLI)")];
        }

        var home = Directory.CreateTempSubdirectory("bench-cli-").FullName;
        var environment = new Dictionary<string, string> { ["SECRETS_RUNTIME_HOME"] = home, ["SECRETS_RUNTIME_ISOLATION"] = "process" };
        Process? server = null;
        try
        {
            var script = Path.Combine(home, "sign.csx");
            File.WriteAllText(script, ScriptQuickBenchmark.Script);
            Run(cli, environment, ["secret", "set", "SIGNING_KEY"], "tok-0123456789abcdef");
            Run(cli, environment, ["secret", "set", "ANTHROPIC_API_KEY"], "sk-ant-0123456789abcdef");
            string[] exec = ["exec", script, "--credential", "Key=SIGNING_KEY", "--input", "{\"order\":7}"];
            Run(cli, environment, exec);

            // The sample's API: the CLI's own echo server, in its own process, as the sample's README starts it.
            var port = FreePort();
            server = System.Diagnostics.Process.Start(StartInfo(cli, environment, ["samples", "echo-server", "--port", port.ToString(CultureInfo.InvariantCulture)]))!;
            server.StandardOutput.ReadLine();
            var sample = Path.Combine(RepositoryRoot()!, "samples", "bearer-http", "workflow.json");
            string[] run = ["run", sample, "--input", $"{{\"baseUrl\":\"http://127.0.0.1:{port}\",\"prompt\":\"hi\"}}"];

            var rows = new List<QuickRow>();
            var cases = new (string Label, string[] Args, string Target)[]
            {
                ("`secret list`", ["secret", "list"], "≤1.5x"),
                ("`eval '1+1'`", ["eval", "1+1"], "≤3x"),
                ("`exec` of a cached script", exec, string.Empty),
                ("`run` of samples/bearer-http (2 nodes: expression, HTTP)", run, string.Empty),
            };
            double? versionAll = null;
            foreach (var (label, args, target) in cases)
            {
                var version = new List<double>();
                var command = new List<double>();
                for (var round = 0; round < Rounds; round++)
                {
                    version.Add(Run(cli, environment, ["--version"]));
                    command.Add(Run(cli, environment, args));
                }

                var baseline = Median(version);
                var measured = Median(command);
                versionAll ??= baseline;
                rows.Add(new QuickRow(Name, $"{label}, median of {Rounds} (`--version` alternated with it: {QuickMeasure.Duration(baseline)})", QuickMeasure.Duration(measured), QuickMeasure.Ratio(measured, baseline), target));
            }

            rows.Insert(0, new QuickRow(Name, $"`--version`, process start to exit (baseline), median of {Rounds}", QuickMeasure.Duration(versionAll!.Value)));
            return rows;
        }
        finally
        {
            if (server is not null)
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
                server.Dispose();
            }

            Directory.Delete(home, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>The program and arguments that run <paramref name="cli"/> (a .dll through <c>dotnet</c>, else the executable itself).</summary>
    internal static (string FileName, string[] Arguments) Command(string cli, string[] arguments) =>
        cli.EndsWith(".dll", StringComparison.Ordinal) ? ("dotnet", [cli, .. arguments]) : (cli, arguments);

    private static ProcessStartInfo StartInfo(string cli, Dictionary<string, string> environment, string[] arguments)
    {
        var (fileName, commandArguments) = Command(cli, arguments);
        var info = new ProcessStartInfo(fileName, commandArguments);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Runs one command to exit and returns the wall time in nanoseconds; a failure stops the benchmark.</summary>
    private static double Run(string cli, Dictionary<string, string> environment, string[] arguments, string stdin = "")
    {
        var clock = Stopwatch.StartNew();
        using var process = System.Diagnostics.Process.Start(StartInfo(cli, environment, arguments))!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"secrets-runtime {arguments[0]} exited with {process.ExitCode}: {error.Result}");
        }

        return clock.Elapsed.TotalNanoseconds;
    }

    internal static string? FindCli()
    {
        if (Environment.GetEnvironmentVariable("SECRETS_RUNTIME_CLI") is { Length: > 0 } configured)
        {
            return configured;
        }

        var candidate = RepositoryRoot() is { } root ? Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "secrets-runtime.dll") : null;
        return File.Exists(candidate) ? candidate : null;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Secrets.Runtime.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
