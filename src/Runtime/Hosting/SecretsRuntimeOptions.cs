using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Hosting;

/// <summary>What <see cref="SecretsRuntimeServiceCollectionExtensions.AddSecretsRuntime"/> registers, with safe defaults.</summary>
public sealed class SecretsRuntimeOptions
{
    /// <summary>The home folder (store, key file, run records). Required.</summary>
    public string? Home { get; set; }

    /// <summary>Where <c>SECRETS_RUNTIME_MASTER_KEY</c> is read from; default the process environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; set; }

    /// <summary>A PostgreSQL store shared by many hosts (connection string or <c>postgresql://</c> URI); null: SQLite in <see cref="Home"/>.</summary>
    public string? Database { get; set; }

    /// <summary>With <see cref="Database"/>: how stale this host's cache may be after another host's write (default 5 s).</summary>
    public TimeSpan MaxStaleness { get; set; } = Store.StoreOptions.DefaultMaxStaleness;

    /// <summary>How values are masked.</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary>Executor settings (its redactor is replaced by the shared one).</summary>
    public WorkflowExecutorOptions Executor { get; set; } = new();
}
