using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Hosting;

/// <summary>
/// The effective configuration of a <see cref="SecretsRuntime"/>, resolved once by <see cref="SecretsRuntimeOptions.Resolve"/>:
/// the same settings give the same configuration whether the CLI or a host's container opened the runtime.
/// </summary>
public sealed record SecretsRuntimeConfiguration
{
    /// <summary>Where the store lives and how it is opened (home, database, staleness).</summary>
    public required StoreOptions Store { get; init; }

    /// <summary>How code nodes are isolated.</summary>
    public required CodeNodeIsolation Isolation { get; init; }

    /// <summary>How code nodes are compiled, cached, isolated and limited (without the shared redactor and HTTP handler).</summary>
    public required ScriptRunnerOptions Scripts { get; init; }

    /// <summary>Limits of expressions.</summary>
    public required ExpressionLimits ExpressionLimits { get; init; }

    /// <summary>How values are masked.</summary>
    public required RedactionOptions Redaction { get; init; }

    /// <summary>How long an HTTP node may take.</summary>
    public required TimeSpan HttpTimeout { get; init; }

    /// <summary>Whether runs keep a record.</summary>
    public required bool KeepRunRecords { get; init; }

    /// <summary>Whether test values stand in for the store.</summary>
    public required bool UsesTestValues { get; init; }

    /// <summary>The home folder.</summary>
    public string Home => Store.Home;

    /// <summary>
    /// The settings as <c>name=value</c> lines, in a fixed order, without the environment (it may hold the master key)
    /// or the database's connection text (it may hold a password): what two runtimes are compared by.
    /// </summary>
    public IReadOnlyList<string> Describe() =>
    [
        "home=" + Store.Home,
        "database=" + (Store.Database is null ? "sqlite" : "shared"),
        "max-staleness=" + Store.MaxStaleness.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        "isolation=" + Isolation,
        "worker-isolation=" + Scripts.Isolation,
        "reuse-workers=" + Scripts.ReuseWorkers,
        "compile-cache=" + Scripts.CacheDirectory,
        "compile-timeout=" + Scripts.CompileTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        "compile-heap=" + Scripts.CompileHeapBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "script-limits=" + Scripts.Limits,
        "worker-resources=" + Scripts.Resources,
        "expression-limits=" + ExpressionLimits,
        "redaction=" + Redaction,
        "http-timeout=" + HttpTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        "run-records=" + KeepRunRecords,
        "test-values=" + UsesTestValues,
    ];
}
