using System.Collections;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Store;
using Serilog;

namespace Secrets.Runtime.Hosting;

/// <summary>
/// How a <see cref="SecretsRuntime"/> is opened, by the CLI and by <see cref="SecretsRuntimeServiceCollectionExtensions.AddSecretsRuntime"/>
/// alike. Every setting left null is read from <see cref="Environment"/> the same way in both, then from a safe default;
/// <see cref="Resolve"/> gives the effective configuration.
/// </summary>
public sealed class SecretsRuntimeOptions
{
    /// <summary>The environment variable choosing <see cref="Isolation"/>: <c>bubblewrap</c> (default; <c>auto</c> is an old name for it), <c>strict</c> or <c>process</c>.</summary>
    public const string IsolationVariable = "SECRETS_RUNTIME_ISOLATION";

    /// <summary>The home folder (SQLite store, key file, run records, compile cache); null: <c>SECRETS_RUNTIME_HOME</c>, else <c>~/.secrets-runtime</c>.</summary>
    public string? Home { get; set; }

    /// <summary>Environment variables to read (<c>SECRETS_RUNTIME_*</c>, the master key); null: the process environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; set; }

    /// <summary>A PostgreSQL store shared by many hosts (connection string or <c>postgresql://</c> URI); null: <c>SECRETS_RUNTIME_DATABASE</c>, else SQLite in <see cref="Home"/>.</summary>
    public string? Database { get; set; }

    /// <summary>With a shared database: how stale this host's cache may be after another host's write (default 5 s).</summary>
    public TimeSpan MaxStaleness { get; set; } = StoreOptions.DefaultMaxStaleness;

    /// <summary>How code nodes are isolated; null: <c>SECRETS_RUNTIME_ISOLATION</c>, else <see cref="CodeNodeIsolation.Bubblewrap"/>.</summary>
    public CodeNodeIsolation? Isolation { get; set; }

    /// <summary>The folder of compiled code-node images, so a repeated script skips Roslyn after a restart; null: <c>HOME/cache/scripts</c>.</summary>
    public string? CompileCacheDirectory { get; set; }

    /// <summary>Default limits of a code node run.</summary>
    public ScriptLimits ScriptLimits { get; set; } = new();

    /// <summary>Limits of expression nodes, <c>{{= ... }}</c> parts and evaluation.</summary>
    public ExpressionLimits ExpressionLimits { get; set; } = new();

    /// <summary>How values are masked (used when <see cref="Redactor"/> is null).</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary>The shared redactor, when the host made it first (to give it to its logger); null: one is made from <see cref="Redaction"/>.</summary>
    public SecretRedactor? Redactor { get; set; }

    /// <summary>Where run and node events go (through the redactor). Default: nowhere.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The handler HTTP nodes and <c>context.Http</c> send through. Default: sockets, no redirects followed.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>How long an HTTP node may take. Default 30 s.</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the JavaScript engine starts warming up (freezing its realm) in the background as the runtime opens, so a
    /// first evaluation does not wait for it; for short-lived processes that evaluate at once (<c>eval</c>). Default false.
    /// </summary>
    public bool PrewarmExpressions { get; set; }

    /// <summary>Whether runs keep a record (in <c>HOME/runs</c>, or the shared database). Default true.</summary>
    public bool KeepRunRecords { get; set; } = true;

    /// <summary>
    /// Test values (name to value) served as organization secrets instead of a store, as <c>--secrets-file</c> does: no
    /// store is opened or created, nothing is audited and no run record is kept. Null (the default): the store.
    /// </summary>
    public IReadOnlyDictionary<string, string>? TestValues { get; set; }

    /// <summary>The effective configuration: every default applied, every setting checked (all problems listed at once).</summary>
    /// <exception cref="SecretsRuntimeException">A setting is invalid.</exception>
    public SecretsRuntimeConfiguration Resolve()
    {
        var environment = Environment ?? ProcessEnvironment();
        var problems = new List<string>();
        var isolation = Isolation ?? ReadIsolation(environment, problems);
        var home = StoreOptions.ResolveHome(Home, environment);
        var store = new StoreOptions
        {
            Home = home,
            Environment = environment,
            Database = StoreOptions.ResolveDatabase(Database, environment),
            MaxStaleness = MaxStaleness,
        };
        Collect(problems, store.Validate);
        Collect(problems, () => ScriptLimits.Validate());
        Collect(problems, () => ExpressionLimits.Validate());
        if (HttpTimeout <= TimeSpan.Zero)
        {
            problems.Add("HttpTimeout must be positive");
        }

        if (problems.Count > 0)
        {
            throw HostingErrors.OptionsInvalid(problems);
        }

        return new SecretsRuntimeConfiguration
        {
            Store = store,
            Isolation = isolation,
            Scripts = new ScriptRunnerOptions
            {
                Limits = ScriptLimits,
                CacheDirectory = CompileCacheDirectory ?? Path.Combine(home, "cache", "scripts"),
                Isolation = isolation == CodeNodeIsolation.Process ? WorkerIsolation.Process : WorkerIsolation.Bubblewrap,
                ReuseWorkers = isolation != CodeNodeIsolation.Strict,
            },
            ExpressionLimits = ExpressionLimits,
            Redaction = Redactor?.Options ?? Redaction,
            HttpTimeout = HttpTimeout,
            KeepRunRecords = KeepRunRecords && TestValues is null,
            UsesTestValues = TestValues is not null,
        };
    }

    private static CodeNodeIsolation ReadIsolation(IReadOnlyDictionary<string, string?> environment, List<string> problems)
    {
        var mode = environment.TryGetValue(IsolationVariable, out var value) && value is not null ? value.Trim().ToLowerInvariant() : string.Empty;
        switch (mode)
        {
            case "bubblewrap" or "auto" or "":
                return CodeNodeIsolation.Bubblewrap;
            case "strict":
                return CodeNodeIsolation.Strict;
            case "process":
                return CodeNodeIsolation.Process;
            default:
                problems.Add(IsolationVariable + " is not bubblewrap, strict or process");
                return CodeNodeIsolation.Bubblewrap;
        }
    }

    private static void Collect(List<string> problems, Action validate)
    {
        try
        {
            validate();
        }
        catch (SecretsRuntimeException ex)
        {
            problems.Add(ex.Message);
        }
        catch (ArgumentException ex)
        {
            // The limits types throw ArgumentOutOfRangeException naming every problem; the parameter suffix adds nothing.
            problems.Add(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    // The hosting front door is one of the two places that read the process environment (eng/banned).
#pragma warning disable RS0030
    private static Dictionary<string, string?> ProcessEnvironment() =>
        System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => e.Value as string, StringComparer.Ordinal);
#pragma warning restore RS0030
}
