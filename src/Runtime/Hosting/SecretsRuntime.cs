using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.References;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Export;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Hosting;

/// <summary>
/// The one front door to the library: the store, the shared redactor, workflow runs, expression evaluation, template
/// export and value registration, configured from one <see cref="SecretsRuntimeOptions"/>. The CLI and
/// <see cref="SecretsRuntimeServiceCollectionExtensions.AddSecretsRuntime"/> both open it, so the same settings give the
/// same runtime. Values never leave it in clear: every result is masked, and only names, counts and masked records come back.
/// </summary>
public sealed class SecretsRuntime : IAsyncDisposable
{
    private readonly ISecretStore _store;
    private readonly ISecretValueReader _reader;
    private readonly Lazy<SecretRedactor> _redactor;
    private readonly Lazy<WorkflowExecutor> _executor;
    private readonly Lazy<ExpressionEvaluator> _evaluator;

    private SecretsRuntime(SecretsRuntimeConfiguration configuration, ISecretStore store, Lazy<SecretRedactor> redactor, IRunRecordStore? runRecords, SecretsRuntimeOptions options, ExpressionEvaluator? evaluator)
    {
        Configuration = configuration;
        _store = store;
        _reader = (ISecretValueReader)store;
        _redactor = redactor;
        RunRecords = runRecords;

        // Built on first use: a command that only lists secrets starts no evaluator and no worker pool, builds no
        // redactor and loads no logger. One redactor either way: every value any of them registers masks everywhere.
        _executor = new Lazy<WorkflowExecutor>(() => WorkflowExecutor.Create(store, new WorkflowExecutorOptions
        {
            Redactor = redactor.Value,
            Logger = options.Logger ?? Serilog.Core.Logger.None,
            HttpHandler = options.HttpHandler,
            HttpTimeout = configuration.HttpTimeout,
            ExpressionLimits = configuration.ExpressionLimits,
            Scripts = configuration.Scripts,
            RunRecords = runRecords,
        }));
        _evaluator = evaluator is null
            ? new Lazy<ExpressionEvaluator>(() => new ExpressionEvaluator(configuration.ExpressionLimits, redactor.Value, prewarm: false))
            : new Lazy<ExpressionEvaluator>(evaluator);
    }

    /// <summary>The effective configuration this runtime was opened with.</summary>
    public SecretsRuntimeConfiguration Configuration { get; }

    /// <summary>The store (read-only test values when <see cref="SecretsRuntimeOptions.TestValues"/> was given).</summary>
    public ISecretStore Store => _store;

    /// <summary>The redactor every value this runtime resolves is registered with; share it with the Serilog redaction sink.</summary>
    public SecretRedactor Redactor => _redactor.Value;

    /// <summary>The workflow executor (runs); built on first use.</summary>
    public WorkflowExecutor Runs => _executor.Value;

    /// <summary>Where run records are kept; null when none are.</summary>
    public IRunRecordStore? RunRecords { get; }

    /// <summary>Opens the store (or the test values) and returns a runtime configured by <paramref name="options"/>.</summary>
    /// <exception cref="SecretsRuntimeException">A setting is invalid, or the store cannot be opened.</exception>
    public static async Task<SecretsRuntime> OpenAsync(SecretsRuntimeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = options.Resolve();
        var redactor = options.Redactor is { } given ? new Lazy<SecretRedactor>(given) : new Lazy<SecretRedactor>(() => new SecretRedactor(configuration.Redaction));

        // Started first, so the engine warms up while the store opens.
        var evaluator = options.PrewarmExpressions ? new ExpressionEvaluator(configuration.ExpressionLimits, redactor.Value, prewarm: true) : null;
        if (options.TestValues is { } values)
        {
            return new SecretsRuntime(configuration, new TestValueReader(values, organization: null), redactor, null, options, evaluator);
        }

        SecretStore? store = null;
        try
        {
            store = await SecretStore.OpenAsync(configuration.Store, cancellationToken).ConfigureAwait(false);
            var records = configuration.KeepRunRecords ? store.SharedRunRecords ?? new RunRecordStore(configuration.Home) : null;
            return new SecretsRuntime(configuration, store, redactor, records, options, evaluator);
        }
        catch
        {
            evaluator?.Dispose();
            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Opens only the run records of <paramref name="configuration"/> (the shared database's, else <c>HOME/runs</c>),
    /// without the store or its master key, for tools that list and show runs.
    /// </summary>
    public static async Task<IRunRecordStore> OpenRunRecordsAsync(SecretsRuntimeConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Store.Database is { } database
            ? await Secrets.Runtime.Store.Postgres.PostgresRunRecordStore.OpenAsync(database, cancellationToken).ConfigureAwait(false)
            : new RunRecordStore(configuration.Home);
    }

    /// <summary>Runs <paramref name="workflow"/> and returns its masked record (also kept when run records are).</summary>
    public Task<RunRecord> RunAsync(WorkflowDefinition workflow, RunRequest request, IProgress<NodeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Runs.RunAsync(workflow, request, progress, cancellationToken);

    /// <summary>
    /// Evaluates expressions in order with one evaluator, as the expression nodes of one run would be, with the
    /// secrets each references resolved (project, then organization, then the principal's personal ones). Every
    /// resolved value is registered with <see cref="Redactor"/> before the expression sees it, and results come back
    /// masked. Each secret read gets a <c>use</c> entry in the audit log (detail <c>eval</c>; names only).
    /// </summary>
    public async Task<IReadOnlyList<ExpressionResult>> EvaluateAsync(Principal principal, EvaluationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(request);
        var evaluator = _evaluator.Value;
        var resolver = new SecretResolver(_reader, request.Organization, request.Project ?? string.Empty, principal);
        var results = new List<ExpressionResult>();
        foreach (var expression in request.Expressions)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in request.Allow ?? (IReadOnlyCollection<string>)ExpressionEvaluator.FindSecretReferences(expression))
            {
                if (SecretName.TryParse(name, out var secretName, out _) && await resolver.TryResolveAsync(secretName, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    values[found.Name.Value] = found.Value;
                }
            }

            // Registered in one batch before the expression sees any of them (none resolved: nothing to register).
            if (values.Count > 0)
            {
                Redactor.AddRange(values.Select(v => new RedactionValue(v.Value, v.Key)));
            }

            var result = evaluator.Evaluate(new ExpressionRequest { Expression = expression, Secrets = values, AllowedSecrets = request.Allow, Inputs = request.Input });
            results.Add(result with { Value = JsonRedaction.Redact(result.Value, Redactor), Error = result.Error is null ? null : Redactor.Redact(result.Error) });
        }

        await RecordUseAsync(principal, resolver.Resolved, "eval", cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>Exports a workflow as a template against every value <paramref name="principal"/> may use; the template holds references, never values.</summary>
    public async Task<WorkflowTemplate> ExportTemplateAsync(Principal principal, JsonObject workflow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(workflow);
        var values = await _reader.ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        return WorkflowTemplateExporter.Export(workflow, values.Select(v => KeyValuePair.Create(v.Name, v.Value)));
    }

    /// <summary>
    /// Registers every value <paramref name="principal"/> may use with <see cref="Redactor"/> and returns how many.
    /// With <paramref name="purpose"/> (such as <c>redact</c>), each decrypted secret gets a <c>use</c> entry in the
    /// audit log naming that purpose (names only).
    /// </summary>
    public async Task<int> RegisterValuesAsync(Principal principal, string? purpose = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var values = await _reader.ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        Redactor.AddRange(values.Select(v => new RedactionValue(v.Value, v.Name.Value)));
        if (purpose is not null)
        {
            await RecordUseAsync(principal, values, purpose, cancellationToken).ConfigureAwait(false);
        }

        return values.Count;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_executor.IsValueCreated)
        {
            _executor.Value.Dispose();
        }

        if (_evaluator.IsValueCreated)
        {
            _evaluator.Value.Dispose();
        }

        switch (_store)
        {
            case IAsyncDisposable asyncStore:
                await asyncStore.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable store:
                store.Dispose();
                break;
        }

        if (RunRecords is IAsyncDisposable records && !ReferenceEquals(records, (_store as SecretStore)?.SharedRunRecords))
        {
            await records.DisposeAsync().ConfigureAwait(false);
        }

    }

    private Task RecordUseAsync(Principal principal, IEnumerable<ResolvedSecret> secrets, string purpose, CancellationToken cancellationToken) =>
        _reader.RecordUsageAsync(
            secrets.Select(s => new SecretUsage(string.Empty, string.Empty, s.Scope, s.Owner, s.Name, s.Version, principal.AuditName) { Detail = purpose }).ToList(),
            cancellationToken);
}
