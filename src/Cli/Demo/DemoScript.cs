using Secrets.Runtime.Cli.Commands;

namespace Secrets.Runtime.Cli.Demo;

/// <summary>The steps of <c>secrets-runtime demo</c>, each one a real CLI command against the temporary home folder.</summary>
internal sealed class DemoScript
{
    private readonly CliConsole _console;
    private readonly string _home;
    private readonly Dictionary<string, string?> _environment;

    public DemoScript(CliConsole console, string home, Dictionary<string, string?> environment)
    {
        _console = console;
        _home = home;
        _environment = environment;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await Say($"home folder: {_home} (fresh; the key file master.key is created with mode 0600)").ConfigureAwait(false);
        await Say($"$ export SECRETS_RUNTIME_HOME={CliContext.Quote(_home)}   # every command below uses this home").ConfigureAwait(false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["STRIPE_KEY"] = DemoCommand.RandomValue("sk_live_"),
            ["GITHUB_TOKEN"] = DemoCommand.RandomValue("ghp_"),
        };

        await Step("the value is piped on stdin, never on the command line", values["STRIPE_KEY"], cancellationToken,
            "secret", "set", "STRIPE_KEY", "--description", "Stripe live key").ConfigureAwait(false);
        await Step("a personal secret of alice (--user: the CLI is the local administrator and may act as any user)", values["GITHUB_TOKEN"], cancellationToken,
            "secret", "set", "GITHUB_TOKEN", "--scope", "personal", "--user", "alice").ConfigureAwait(false);
        var env = $"# project secrets\nDB_PASSWORD=\"{DemoCommand.RandomValue("pw-")}\"\nexport DB_URL=\"postgres://app:${{DB_PASSWORD}}@db.internal/app\"\nEMPTY=\nnot a statement\n";
        await Step("a .env on stdin; the malformed last line is reported, --skip-invalid imports the rest", env, cancellationToken,
            "secret", "import", "-", "--scope", "project", "--project", "web", "--skip-invalid").ConfigureAwait(false);
        await Step("names and metadata, never values", string.Empty, cancellationToken, "secret", "list", "--user", "alice").ConfigureAwait(false);
        await Step("a new key-encryption key; data keys re-wrapped, values untouched", string.Empty, cancellationToken, "key", "rotate").ConfigureAwait(false);
        return await RunSamplesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs every sample against a local echo server and checks where the values went.</summary>
    public async Task<int> RunSamplesAsync(CancellationToken cancellationToken)
    {
        var samples = SampleCatalog.FindSamplesFolder();
        if (samples is null)
        {
            await Say("samples folder not found; run the demo from the repository").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using var server = EchoServer.Start();
        await Say(string.Empty).ConfigureAwait(false);
        await Say($"echo server on {server.BaseAddress} (answers every request with what it received)").ConfigureAwait(false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var captured = new StringWriter();
        var failures = 0;
        var expectedMissing = 0;
        var keptInside = new List<string>();
        foreach (var run in SampleCatalog.Runs(server.BaseAddress))
        {
            foreach (var secret in run.Secrets)
            {
                var value = DemoCommand.RandomValue(secret.Prefix);
                values[$"{secret.Name}@{secret.Owner}"] = value;
                if (!secret.SentToServer)
                {
                    // Used inside a code node only (an HMAC key): the API gets the signature, never the key.
                    keptInside.Add(value);
                    expectedMissing++;
                }

                await Quiet(value, cancellationToken, secret.SetArguments()).ConfigureAwait(false);
            }

            await Say(string.Empty).ConfigureAwait(false);
            string[] runArgs = ["run", Shown(Path.Combine(samples, run.Sample, "workflow.json")), "--trigger", run.Trigger, "--user", run.User, "--input", run.InputJson];
            await Say(Typed(runArgs)).ConfigureAwait(false);
            var code = await Capture(captured, cancellationToken, runArgs).ConfigureAwait(false);
            if (run.Sample == "bearer-http")
            {
                await ShowEchoedHeaderAsync(server, values).ConfigureAwait(false);
            }

            failures += code == ExitCodes.Ok ? 0 : 1;
        }

        var received = string.Join("\n", server.Requests.Select(r => r.ToJsonString()));
        var home = _home;
        var records = string.Join("\n", Directory.EnumerateFiles(Path.Combine(home, "runs")).Select(File.ReadAllText));
        var logs = string.Join("\n", Directory.EnumerateFiles(Path.Combine(home, "logs")).Select(File.ReadAllText));
        var delivered = values.Values.Except(keptInside).Count(v => received.Contains(v, StringComparison.Ordinal));
        var leaked = values.Values.Count(v => (captured.ToString() + records + logs).Contains(v, StringComparison.Ordinal));
        await Say(string.Empty).ConfigureAwait(false);
        await Say($"check: the echo server received {delivered} of {values.Count - expectedMissing} secret values meant for it in clear (the API needs them); {keptInside.Count(v => !received.Contains(v, StringComparison.Ordinal))} of {keptInside.Count} kept inside code nodes never left them").ConfigureAwait(false);
        await Say($"check: console, log files and run records hold {leaked} of them, even though the server echoed them back").ConfigureAwait(false);
        return failures == 0 && leaked == 0 && delivered == values.Count - expectedMissing && !keptInside.Any(v => received.Contains(v, StringComparison.Ordinal)) ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// The point of the runtime in two lines: the API got the real key in its Authorization header (shown by prefix and
    /// length only, checked against the stored value), and the run record of the same request shows it masked.
    /// </summary>
    private async Task ShowEchoedHeaderAsync(EchoServer server, Dictionary<string, string> values)
    {
        var sent = server.Requests.LastOrDefault()?["headers"]?["Authorization"]?.GetValue<string>();
        var key = values.Where(p => p.Key.StartsWith("ANTHROPIC_API_KEY@", StringComparison.Ordinal)).Select(p => p.Value).FirstOrDefault();
        var record = Directory.EnumerateFiles(Path.Combine(_home, "runs")).Select(File.ReadAllText).FirstOrDefault(t => t.Contains("\"bearer-http\"", StringComparison.Ordinal));
        if (sent is null || key is null || record is null)
        {
            return;
        }

        var recorded = System.Text.Json.Nodes.JsonNode.Parse(record)!["nodes"]!.AsArray().Select(n => n!["configuration"]?["headers"]?["Authorization"]?.ToString()).FirstOrDefault(h => h is not null);
        await Say(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  the echo server saw   Authorization: {sent[..Math.Min(sent.Length, 14)]}... ({sent.Length} characters; the real key: {(sent == "Bearer " + key ? "yes" : "no")})"))
            .ConfigureAwait(false);
        await Say($"  the run record shows Authorization: {recorded ?? "(not recorded)"}").ConfigureAwait(false);
    }

    /// <summary>A path as a user would type it: relative to the current folder when it is inside it.</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>A command as a user would type it: the program name and every argument, quoted for a POSIX shell.</summary>
    private static string Typed(IEnumerable<string> args) => "$ secrets-runtime " + string.Join(' ', args.Select(CliContext.Quote));

    private async Task Quiet(string stdin, CancellationToken cancellationToken, params string[] args)
    {
        var console = new CliConsole { In = new StringReader(stdin), Out = TextWriter.Null, Error = _console.Error, IsInputRedirected = true, Environment = _environment };
        var code = await CliApplication.RunAsync(args, console, cancellationToken).ConfigureAwait(false);
        if (code != ExitCodes.Ok)
        {
            throw CliErrors.DemoStepFailed($"demo step failed with exit code {code}: {string.Join(' ', args)}");
        }
    }

    private async Task<int> Capture(StringWriter captured, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        var console = new CliConsole { In = new StringReader(string.Empty), Out = output, Error = output, IsInputRedirected = true, Environment = _environment };
        var code = await CliApplication.RunAsync(args, console, cancellationToken).ConfigureAwait(false);
        await _console.Out.WriteAsync(output.ToString()).ConfigureAwait(false);
        await captured.WriteAsync(output.ToString()).ConfigureAwait(false);
        return code;
    }

    private async Task Step(string title, string stdin, CancellationToken cancellationToken, params string[] args)
    {
        await Say(string.Empty).ConfigureAwait(false);
        await Say("# " + title).ConfigureAwait(false);
        await Say(Typed(args) + (stdin.Length > 0 ? "   # stdin: piped" : string.Empty)).ConfigureAwait(false);
        var console = new CliConsole { In = new StringReader(stdin), Out = _console.Out, Error = _console.Error, IsInputRedirected = true, Environment = _environment };
        var code = await CliApplication.RunAsync(args, console, cancellationToken).ConfigureAwait(false);
        if (code != ExitCodes.Ok)
        {
            throw CliErrors.DemoStepFailed($"demo step failed with exit code {code}: {title}");
        }
    }

    private Task Say(string line) => _console.Out.WriteLineAsync(line);
}
