using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.References;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Nodes;
using Secrets.Runtime.Workflows.Nodes.Expression;
using Secrets.Runtime.Workflows.Nodes.Http;
using Secrets.Runtime.Workflows.Records;
using Serilog;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>
/// Runs a workflow's nodes in order. For each node it resolves only the secrets the node refers to, registers their
/// values with the redactor (in one batch, held by the run's lease) before any node code sees them, runs the node, and records configuration, output, logs
/// and errors masked. A failed node stops the run.
/// </summary>
public sealed class WorkflowExecutor : IDisposable
{
    private readonly ISecretValueReader _reader;
    private readonly SecretRedactor _redactor;
    private readonly ILogger _logger;
    private readonly Dictionary<string, INodeRunner> _runners;
    private readonly IRunRecordStore? _records;
    private readonly List<IDisposable> _owned = [];
    private readonly TimeProvider _time;

    // What each node refers to, found once per workflow definition (parsing templates and JavaScript is not free).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<WorkflowNode, List<(string JsonPath, SecretReference Reference)>> _references = new();

    internal WorkflowExecutor(ISecretValueReader reader, SecretRedactor redactor, ILogger logger, IEnumerable<INodeRunner> runners, IRunRecordStore? records, TimeProvider? time = null)
    {
        _reader = reader;
        _time = time ?? TimeProvider.System;
        _redactor = redactor;
        _logger = logger;
        _runners = runners.ToDictionary(r => r.Type, StringComparer.Ordinal);
        _records = records;
    }

    /// <summary>Creates an executor over <paramref name="store"/> with HTTP and expression nodes.</summary>
    /// <exception cref="ArgumentException">The store cannot hand values to the run-time injection path.</exception>
    public static WorkflowExecutor Create(ISecretStore store, WorkflowExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options = (options ?? new WorkflowExecutorOptions()).Validate();
        var reader = store as ISecretValueReader
            ?? throw new ArgumentException("this store does not support run-time injection", nameof(store));
        var client = new HttpClient(options.HttpHandler ?? Sandbox.Net.SafeHttp.CreateHandler(), disposeHandler: options.HttpHandler is null)
        {
            Timeout = options.HttpTimeout,
        };
        var evaluator = new ExpressionEvaluator(options.ExpressionLimits, options.Redactor, prewarm: false);
        var records = options.RunRecords ?? (options.RunRecordsHome is null ? null : (store as SecretStore)?.SharedRunRecords ?? new RunRecordStore(options.RunRecordsHome));
        var scripts = new Sandbox.Workers.ScriptRunner(options.Scripts with { Redactor = options.Redactor, HttpHandler = options.Scripts.HttpHandler ?? options.HttpHandler });

        // A worker that burned CPU while idle was killed instead of reused: the run that left the work behind is named.
        var logger = options.Logger;
        scripts.Incident += (_, incident) => logger.ForContext("RunId", incident.RunId).Warning("code node worker killed: {Reason}", incident.Reason);
        var services = new NodeRunnerServices(client, evaluator, scripts);
        var executor = new WorkflowExecutor(reader, options.Redactor, options.Logger, NodeTypes.All.Select(t => t.CreateRunner(services)), records, options.Time);
        executor._owned.Add(client);
        executor._owned.Add(evaluator);
        executor._owned.Add(scripts);
        return executor;
    }

    /// <summary>
    /// Runs a workflow against test values (name to value) instead of a store, as <c>exec --secrets-file</c> and
    /// <c>eval --secrets-file</c> do: same validation, workers and masking; no record is kept.
    /// </summary>
    public static async Task<RunRecord> RunWithValuesAsync(WorkflowDefinition workflow, IReadOnlyDictionary<string, string> values, WorkflowExecutorOptions? options = null, System.Text.Json.Nodes.JsonNode? input = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        options ??= new WorkflowExecutorOptions();
        using var store = new TestValueReader(values, workflow.Organization);
        using var executor = Create(store, options with { RunRecordsHome = null });
        return await executor.RunAsync(workflow, new RunRequest { User = workflow.Owner, Input = input }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    /// <summary>Runs <paramref name="workflow"/> and returns its masked record (also saved when a record store is configured).</summary>
    public async Task<RunRecord> RunAsync(WorkflowDefinition workflow, RunRequest request, IProgress<NodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(request);
        var runId = request.RunId is { } given ? RunRecordStore.CheckId(given) : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var principal = request.Principal?.UserId ?? (request.Trigger == RunTrigger.Manual ? request.User : workflow.Owner);
        var readAs = request.Principal ?? Principal.LocalAdmin(principal);
        var resolver = new SecretResolver(_reader, workflow.Organization, workflow.Project, readAs, request.MinimumChange);
        var records = new List<NodeRecord>();
        var started = _time.GetUtcNow();
        var failed = false;
        var log = _logger.ForContext("RunId", runId).ForContext("Workflow", workflow.Name);

        // The run's values stay registered while it runs, and for the redactor's grace period after (late sinks).
        using var lease = _redactor.Lease();
        var state = new RunState { Workflow = workflow, Request = request, RunId = runId, Principal = principal, Resolver = resolver, Lease = lease, Log = log };
        var sources = new List<ResolvedSecret>();
        log.Information("run {RunId} of {Workflow} started ({Trigger}, principal {Principal})", runId, workflow.Name, request.Trigger, principal);
        foreach (var runner in _runners.Values)
        {
            runner.Prepare(workflow);
        }

        // Every secret any node refers to, read in one round trip and pinned: the run never mixes versions. When the
        // read fails (integrity, database down), each node reads again and fails with the error in its own record.
        try
        {
            if (!request.ResolveEachNode)
            {
                await resolver.PrefetchAsync(workflow.Nodes.SelectMany(References).Select(r => r.Reference.Name), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SecretsRuntimeException ex)
        {
            log.Warning("run {RunId}: reading its secrets failed ({Code}); each node reads again", runId, ex.Code);
        }

        foreach (var node in workflow.Nodes)
        {
            if (failed)
            {
                records.Add(new NodeRecord { Id = node.Id, Type = node.Type, Status = RunStatus.Skipped });
                continue;
            }

            progress?.Report(new NodeProgress(node.Id, node.Index, workflow.Nodes.Count, null, 0));
            // A queued run resolves each node on its own, through the store's staleness bound at the node's start.
            var nodeResolver = request.ResolveEachNode ? new SecretResolver(_reader, workflow.Organization, workflow.Project, readAs, request.MinimumChange) : resolver;
            var record = await RunNodeAsync(node, state, nodeResolver, cancellationToken).ConfigureAwait(false);
            records.Add(record);
            if (request.ResolveEachNode)
            {
                sources.AddRange(nodeResolver.Resolved);
            }

            failed = record.Status == RunStatus.Failed;
            progress?.Report(new NodeProgress(node.Id, node.Index, workflow.Nodes.Count, record.Status, (record.EndedAt!.Value - record.StartedAt!.Value).TotalMilliseconds, record.Error) { Record = record });
        }

        var run = new RunRecord
        {
            RunId = runId,
            Workflow = workflow.Name,
            WorkflowFile = workflow.SourcePath,
            Project = workflow.Project,
            StartedBy = string.IsNullOrEmpty(request.ActingUser) ? principal : request.ActingUser,
            Trigger = request.Trigger,
            Principal = principal,
            StartedAt = started,
            EndedAt = _time.GetUtcNow(),
            Status = failed ? RunStatus.Failed : RunStatus.Succeeded,
            Nodes = records,
            Secrets = (request.ResolveEachNode ? sources : resolver.Resolved).Select(r => new SecretSourceRecord(r.Name.Value, r.Scope, r.Owner, r.Version)).Distinct().OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Version).ToList(),
        };
        log.Information("run {RunId} {Status}", runId, run.Status);

        // Every use goes to the audit log in one transaction at the end of the run, failed runs included.
        await _reader.RecordUsageAsync(state.Usages, cancellationToken).ConfigureAwait(false);
        if (_records is not null)
        {
            await _records.SaveAsync(run, cancellationToken).ConfigureAwait(false);
        }

        return run;
    }

    private async Task<NodeRecord> RunNodeAsync(WorkflowNode node, RunState state, SecretResolver resolver, CancellationToken cancellationToken)
    {
        var (workflow, request, runId, principal, outputs, log) = (state.Workflow, state.Request, state.RunId, state.Principal, state.Outputs, state.Log);
        var startedAt = _time.GetUtcNow();
        var timings = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        JsonNode? resolvedConfig = null;
        try
        {
            // Resolve exactly the secrets this node refers to, and register each value before any code sees it.
            var secrets = new Dictionary<SecretName, string>();
            foreach (var (path, reference) in References(node))
            {
                if (secrets.ContainsKey(reference.Name))
                {
                    continue;
                }

                var found = await resolver.TryResolveAsync(reference.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw resolver.Missing(node.Id, path, reference);
                secrets[reference.Name] = found.Value;
                state.Usages.Add(new SecretUsage(runId, node.Id, found.Scope, found.Owner, found.Name, found.Version, Principal.AuditActor(request.ActingUser, principal)) { Workflow = workflow.Name });
            }

            // One batch for the node, held by the run's lease, before any code sees a value.
            state.Lease.Add(secrets.Select(s => new RedactionValue(s.Value, s.Key.Value)));

            timings["resolution"] = clock.Elapsed.TotalMilliseconds;
            if (!_runners.TryGetValue(node.Type, out var runner))
            {
                throw WorkflowErrors.NodeTypeUnavailable(node.Id, $"no runner for node type '{node.Type}' is configured in this host");
            }

            var renderer = new TemplateRenderer(secrets, outputs, request.Input, js => EvaluateInline(node, js, secrets, outputs, request.Input));
            var context = new NodeRunContext(node, secrets, renderer, outputs, request.Input, runId, workflow.Name, request.Trigger, principal, workflow.Organization);
            var run = Stopwatch.StartNew();
            NodeOutcome outcome;
            try
            {
                outcome = await runner.RunAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpNodeStatusException status)
            {
                outputs[node.Id] = new JsonObject { ["output"] = status.Output.DeepClone() };
                throw new NodeFailedException(node.Id, status.Code, status.Kind, $"HTTP {status.Status}") { Data = { ["output"] = status.Output } };
            }

            timings["run"] = run.Elapsed.TotalMilliseconds;
            foreach (var (key, ms) in outcome.TimingsMs)
            {
                timings[key] = ms;
            }

            outputs[node.Id] = new JsonObject { ["output"] = outcome.Output?.DeepClone() };
            resolvedConfig = outcome.Resolved;

            var mask = Stopwatch.StartNew();
            var sensitive = outcome.Sensitive || _redactor.ContainsSecret(outcome.Output?.ToJsonString());
            var record = new NodeRecord
            {
                Id = node.Id,
                Type = node.Type,
                Status = RunStatus.Succeeded,
                StartedAt = startedAt,
                EndedAt = _time.GetUtcNow(),
                Configuration = JsonRedaction.Redact(resolvedConfig ?? node.Configuration, _redactor),
                Output = JsonRedaction.Redact(outcome.Output, _redactor),
                OutputSensitive = sensitive,
                Logs = outcome.Logs.Select(_redactor.Redact).ToList(),
            };
            timings["redaction"] = mask.Elapsed.TotalMilliseconds;
            foreach (var line in record.Logs)
            {
                log.Information("node {NodeId}: {Line}", node.Id, line);
            }

            log.Information("node {NodeId} ({NodeType}) succeeded in {ElapsedMs:0.0} ms, output {Output}", node.Id, node.Type, clock.Elapsed.TotalMilliseconds, record.Output?.ToJsonString());
            return record with { TimingsMs = timings };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only our own messages are shown, and masked again; a foreign exception shows its type alone.
            var message = ex is SecretsRuntimeException known ? _redactor.Redact(known.Message) : $"node '{node.Id}': unexpected {ex.GetType().Name}";
            var output = ex.Data["output"] as JsonNode;
            var logs = ex is NodeFailedException failed ? failed.Logs.Select(_redactor.Redact).ToList() : [];
            foreach (var line in logs)
            {
                log.Information("node {NodeId}: {Line}", node.Id, line);
            }

            log.Error("node {NodeId} ({NodeType}) failed: {Error}", node.Id, node.Type, message);
            return new NodeRecord
            {
                Id = node.Id,
                Type = node.Type,
                Status = RunStatus.Failed,
                StartedAt = startedAt,
                EndedAt = _time.GetUtcNow(),
                Configuration = JsonRedaction.Redact(resolvedConfig ?? node.Configuration, _redactor),
                Output = JsonRedaction.Redact(output, _redactor),
                Logs = logs,
                Error = message,
                ErrorCode = (ex as SecretsRuntimeException)?.Code,
                ErrorKind = (ex as SecretsRuntimeException)?.Kind ?? Redaction.ErrorKind.Internal,
                Limit = (ex as NodeFailedException)?.Limit,
                TimingsMs = timings,
            };
        }
    }

    private List<(string JsonPath, SecretReference Reference)> References(WorkflowNode node) =>
        _references.GetValue(node, n => NodeReferences.Secrets(n).ToList());

    private JsonNode? EvaluateInline(WorkflowNode node, string javascript, IReadOnlyDictionary<SecretName, string> secrets, JsonObject outputs, JsonNode? inputs) =>
        _runners.TryGetValue(ExpressionNode.TypeName, out var runner) && runner is IInlineExpressionEvaluator evaluator
            ? evaluator.Evaluate(node, javascript, secrets, outputs, inputs)
            : throw WorkflowErrors.NodeExpressionUnavailable(node.Id, "{{= ... }} needs the expression runner, which this host has not configured");
}
