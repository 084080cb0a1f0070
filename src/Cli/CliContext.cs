using System.CommandLine;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli;

/// <summary>What every command shares: the console, the global options and the one-line error handling.</summary>
public sealed class CliContext
{
    /// <summary>Creates the context for one invocation.</summary>
    public CliContext(CliConsole console, IReadOnlyList<string>? args = null)
    {
        Console = console;
        Args = args ?? [];
    }

    /// <summary>The command line as typed, to name the position of a bad argument (never its text).</summary>
    public IReadOnlyList<string> Args { get; }

    /// <summary>The clock that ages and expiries are counted from (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The console of this invocation.</summary>
    public CliConsole Console { get; }

    /// <summary><c>--home DIR</c>: the store's folder; else <c>SECRETS_RUNTIME_HOME</c>, else <c>~/.secrets-runtime</c>.</summary>
    public Option<string?> HomeOption { get; } = new("--home") { Description = "Folder of the store (default: $SECRETS_RUNTIME_HOME, else ~/.secrets-runtime)", Recursive = true };

    /// <summary><c>--user USER</c>: the local user the CLI acts as (default: the OS user name).</summary>
    public Option<string?> UserOption { get; } = new("--user") { Description = "User the command acts as (default: the OS user name)", Recursive = true };

    /// <summary><c>--database CONNECTION</c>: a PostgreSQL store shared by many hosts; else <c>SECRETS_RUNTIME_DATABASE</c>, else SQLite in the home folder.</summary>
    public Option<string?> DatabaseOption { get; } = new("--database") { Description = "PostgreSQL store shared by many hosts: a connection string or postgresql:// URI (default: $SECRETS_RUNTIME_DATABASE, else SQLite in the home folder)", Recursive = true };

    /// <summary><c>--verbose</c>: print stack traces (masked) on errors.</summary>
    public Option<bool> VerboseOption { get; } = new("--verbose") { Description = "Show error details (stack traces are masked)", Recursive = true };

    /// <summary>The user the CLI acts as.</summary>
    public string User(ParseResult parse) =>
        parse.GetValue(UserOption) is { Length: > 0 } user ? user : System.Environment.UserName;

    /// <summary>The explicit <c>--home</c>, or null.</summary>
    public string? Home(ParseResult parse) => parse.GetValue(HomeOption);

    /// <summary>
    /// The runtime options of this invocation: <c>--home</c> and <c>--database</c> when given; everything else
    /// (<c>SECRETS_RUNTIME_HOME</c>, <c>SECRETS_RUNTIME_DATABASE</c>, <c>SECRETS_RUNTIME_ISOLATION</c>, the master key) is
    /// read by the library from the console's environment, as <c>AddSecretsRuntime</c> reads it from the process's.
    /// </summary>
    public SecretsRuntimeOptions RuntimeOptions(ParseResult parse, SecretRedactor? redactor = null) => new()
    {
        Home = Home(parse),
        Database = parse.GetValue(DatabaseOption),
        Environment = Console.Environment,
        Redactor = redactor,
    };

    /// <summary>The effective configuration of this invocation (home, database, isolation, compile cache, limits).</summary>
    public SecretsRuntimeConfiguration Configuration(ParseResult parse) => RuntimeOptions(parse).Resolve();

    /// <summary>The store options for this invocation: <c>--home</c>, else <c>SECRETS_RUNTIME_HOME</c>, else <c>~/.secrets-runtime</c>.</summary>
    public StoreOptions StoreOptions(ParseResult parse) => Configuration(parse).Store;

    /// <summary>Where run records are: the shared database when one is configured, else <c>HOME/runs</c>.</summary>
    public Task<Workflows.Records.IRunRecordStore> OpenRunRecordsAsync(ParseResult parse, CancellationToken cancellationToken) =>
        SecretsRuntime.OpenRunRecordsAsync(Configuration(parse), cancellationToken);

    /// <summary>
    /// When code nodes run without the sandbox (<c>SECRETS_RUNTIME_ISOLATION=process</c>), a warning on stderr, every
    /// time a command is about to run one.
    /// </summary>
    public async Task WarnIfUnsandboxedAsync(SecretsRuntimeConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Isolation == CodeNodeIsolation.Process)
        {
            await Console.Error.WriteLineAsync(UnsandboxedWarning).ConfigureAwait(false);
        }
    }

    /// <summary>The warning printed whenever code nodes run without the sandbox.</summary>
    public const string UnsandboxedWarning = "warning: SECRETS_RUNTIME_ISOLATION=process runs code nodes without a sandbox: use it for trusted code only";

    /// <summary>Opens the runtime (and its store, created when missing) for this invocation.</summary>
    public Task<SecretsRuntime> OpenRuntimeAsync(ParseResult parse, CancellationToken cancellationToken, SecretRedactor? redactor = null, Action<SecretsRuntimeOptions>? configure = null)
    {
        var options = RuntimeOptions(parse, redactor);
        configure?.Invoke(options);
        return SecretsRuntime.OpenAsync(options, cancellationToken);
    }

    /// <summary>
    /// Opens the runtime for a command that only reads the store: a home with no store is an error (a mistyped
    /// <c>--home</c> must not create a new store and master key).
    /// </summary>
    public Task<SecretsRuntime> OpenExistingRuntimeAsync(ParseResult parse, CancellationToken cancellationToken, SecretRedactor? redactor = null, Action<SecretsRuntimeOptions>? configure = null)
    {
        var options = StoreOptions(parse);
        if (options.Database is null && !File.Exists(options.DatabasePath))
        {
            var where = Home(parse) is { Length: > 0 } ? "the folder given by --home" : options.Home;
            throw CliErrors.NoStore($"no store in {where} (no secrets.db): check --home or SECRETS_RUNTIME_HOME; `secret set` or `secret import` creates one");
        }

        return OpenRuntimeAsync(parse, cancellationToken, redactor, configure);
    }

    /// <summary>A follow-up command to print, carrying the global options the user passed (<c>--home</c>, <c>--user</c>).</summary>
    public string Hint(ParseResult parse, string command)
    {
        var text = "secrets-runtime " + command;
        if (Home(parse) is { Length: > 0 } home)
        {
            text += " --home " + Quote(home);
        }

        if (parse.GetValue(UserOption) is { Length: > 0 } user)
        {
            text += " --user " + Quote(user);
        }

        return text;
    }

    /// <summary>The 1-based position of the argument an option's value came from, for messages that must not quote it.</summary>
    public string PositionOf(string? token)
    {
        for (var i = 0; token is not null && i < Args.Count; i++)
        {
            if (Args[i] == token || Args[i].EndsWith("=" + token, StringComparison.Ordinal))
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"argument {i + 1}");
            }
        }

        return "an argument";
    }

    internal static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '=' or ':' or ',' or '+' or '@')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The CLI's principal: the local user, admin of every organization and project.</summary>
    /// <remarks>With <c>--user</c>, the OS user is recorded as the one acting: the audit log shows <c>OSUSER as USER</c>.</remarks>
    public Principal Principal(ParseResult parse) => Store.Principal.LocalAdmin(User(parse)) with { ActingUser = ActingUser(parse) };

    /// <summary>The OS user when <c>--user</c> names someone else, else null.</summary>
    public string? ActingUser(ParseResult parse) => parse.GetValue(UserOption) is { Length: > 0 } ? System.Environment.UserName : null;

    /// <summary>Runs a command body, turning errors into one line on stderr and an exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<Task<int>> body, SecretRedactor? redactor = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Workflows.Definition.InvalidWorkflowException ex)
        {
            // One problem per line, so a reader (or grep) sees each with its JSON path; then the one-line verdict.
            var mask = redactor is null ? (Func<string, string>)(s => s) : redactor.Redact;
            foreach (var problem in ex.Problems)
            {
                await Console.Error.WriteLineAsync("problem: " + mask(problem.ToString())).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"error: the workflow is invalid: {ex.Problems.Count} problem(s) above; nothing ran")).ConfigureAwait(false);
            return ExitCodes.For(ex.Kind);
        }
        catch (SecretsRuntimeException ex)
        {
            await WriteErrorAsync(parse, ex.Message, ex, redactor).ConfigureAwait(false);
            return ExitCodes.For(ex.Kind);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
#pragma warning disable CA1031 // The CLI boundary turns every unexpected failure into one line and exit code 1.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // A foreign exception's message may hold anything; show only its type unless asked for details.
            await WriteErrorAsync(parse, $"unexpected {ex.GetType().Name}; run again with --verbose for details", ex, redactor).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private async Task WriteErrorAsync(ParseResult parse, string message, Exception ex, SecretRedactor? redactor)
    {
        var mask = redactor is null ? (Func<string, string>)(s => s) : redactor.Redact;
        await Console.Error.WriteLineAsync("error: " + mask(message)).ConfigureAwait(false);
        if (parse.GetValue(VerboseOption))
        {
            await Console.Error.WriteLineAsync(mask(ex.ToString())).ConfigureAwait(false);
        }
    }
}
