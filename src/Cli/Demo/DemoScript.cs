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
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["STRIPE_KEY"] = DemoCommand.RandomValue("sk_live_"),
            ["GITHUB_TOKEN"] = DemoCommand.RandomValue("ghp_"),
        };

        await Step("secret set STRIPE_KEY (value piped on stdin, never on the command line)", values["STRIPE_KEY"], cancellationToken,
            "secret", "set", "STRIPE_KEY", "--description", "Stripe live key").ConfigureAwait(false);
        await Step("secret set GITHUB_TOKEN --scope personal", values["GITHUB_TOKEN"], cancellationToken,
            "secret", "set", "GITHUB_TOKEN", "--scope", "personal", "--user", "alice").ConfigureAwait(false);
        var env = $"# project secrets\nDB_PASSWORD=\"{DemoCommand.RandomValue("pw-")}\"\nexport DB_URL=\"postgres://app:${{DB_PASSWORD}}@db.internal/app\"\nEMPTY=\nnot a statement\n";
        await Step("secret import - --scope project --project web (a .env on stdin)", env, cancellationToken,
            "secret", "import", "-", "--scope", "project", "--project", "web").ConfigureAwait(false);
        await Step("secret list (names and metadata, never values)", string.Empty, cancellationToken, "secret", "list", "--user", "alice").ConfigureAwait(false);
        await Step("key rotate (new key-encryption key; data keys re-wrapped, values untouched)", string.Empty, cancellationToken, "key", "rotate").ConfigureAwait(false);
        await Step("audit", string.Empty, cancellationToken, "audit").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private async Task Step(string title, string stdin, CancellationToken cancellationToken, params string[] args)
    {
        await Say(string.Empty).ConfigureAwait(false);
        await Say("$ secrets-runtime " + title).ConfigureAwait(false);
        var console = new CliConsole { In = new StringReader(stdin), Out = _console.Out, Error = _console.Error, IsInputRedirected = true, Environment = _environment };
        var code = await CliApplication.RunAsync(args, console, cancellationToken).ConfigureAwait(false);
        if (code != ExitCodes.Ok)
        {
            throw new Redaction.SecretsRuntimeException("demo.step_failed", Redaction.ErrorKind.Internal, $"demo step failed with exit code {code}: {title}");
        }
    }

    private Task Say(string line) => _console.Out.WriteLineAsync(line);
}
