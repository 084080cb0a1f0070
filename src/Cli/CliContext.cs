using System.CommandLine;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli;

/// <summary>What every command shares: the console, the global options and the one-line error handling.</summary>
public sealed class CliContext
{
    /// <summary>Creates the context for one invocation.</summary>
    public CliContext(CliConsole console) => Console = console;

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

    /// <summary>The store options for this invocation: <c>--home</c>, else <c>SECRETS_RUNTIME_HOME</c>, else <c>~/.secrets-runtime</c>.</summary>
    public StoreOptions StoreOptions(ParseResult parse) => new()
    {
        Home = Store.StoreOptions.ResolveHome(Home(parse), Console.Environment),
        Environment = Console.Environment,
        Database = Store.StoreOptions.ResolveDatabase(parse.GetValue(DatabaseOption), Console.Environment),
    };

    /// <summary>Where run records are: the shared database when one is configured, else <c>HOME/runs</c>.</summary>
    public async Task<Workflows.IRunRecordStore> OpenRunRecordsAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var options = StoreOptions(parse);
        return options.Database is { } database
            ? await Store.Postgres.PostgresRunRecordStore.OpenAsync(database, cancellationToken).ConfigureAwait(false)
            : new Workflows.RunRecordStore(options.Home);
    }

    /// <summary>
    /// How code nodes run for this invocation: compiled images cached in <c>HOME/cache/scripts</c>, isolation from
    /// <c>SECRETS_RUNTIME_ISOLATION</c>: <c>bubblewrap</c> (default; <c>auto</c> is an old name for it), <c>strict</c>
    /// (bubblewrap and a fresh worker for every run), or <c>process</c> (trusted code only: no sandbox).
    /// </summary>
    public Sandbox.Workers.ScriptRunnerOptions ScriptOptions(ParseResult parse)
    {
        var mode = Console.Environment.TryGetValue("SECRETS_RUNTIME_ISOLATION", out var value) && value is not null ? value.Trim().ToLowerInvariant() : "bubblewrap";
        var isolation = mode switch
        {
            "bubblewrap" or "auto" or "strict" or "" => Sandbox.Workers.WorkerIsolation.Bubblewrap,
            "process" => Sandbox.Workers.WorkerIsolation.Process,
            _ => throw new SecretsRuntimeException("cli.isolation_invalid", ErrorKind.InvalidInput, "SECRETS_RUNTIME_ISOLATION is not bubblewrap, strict or process"),
        };
        return new()
        {
            CacheDirectory = Path.Combine(StoreOptions(parse).Home, "cache", "scripts"),
            Isolation = isolation,
            ReuseWorkers = mode != "strict",
        };
    }

    /// <summary>
    /// The options for a command that runs code nodes: <see cref="ScriptOptions"/>, and, when they run without the
    /// sandbox (<c>SECRETS_RUNTIME_ISOLATION=process</c>), a warning on stderr first, every time.
    /// </summary>
    public async Task<Sandbox.Workers.ScriptRunnerOptions> CodeNodeOptionsAsync(ParseResult parse)
    {
        var options = ScriptOptions(parse);
        if (options.Isolation == Sandbox.Workers.WorkerIsolation.Process)
        {
            await Console.Error.WriteLineAsync("warning: SECRETS_RUNTIME_ISOLATION=process runs code nodes without a sandbox: use it for trusted code only").ConfigureAwait(false);
        }

        return options;
    }

    /// <summary>Opens the embedded store.</summary>
    public Task<SecretStore> OpenStoreAsync(ParseResult parse, CancellationToken cancellationToken) =>
        SecretStore.OpenAsync(StoreOptions(parse), cancellationToken);

    /// <summary>The CLI's principal: the local user, admin of every organization and project.</summary>
    public Principal Principal(ParseResult parse) => Store.Principal.LocalAdmin(User(parse));

    /// <summary>Runs a command body, turning errors into one line on stderr and an exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<Task<int>> body, SecretRedactor? redactor = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
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
