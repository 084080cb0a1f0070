using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Workflows.Records;
using Serilog;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>How a <see cref="WorkflowExecutor"/> is put together. Defaults are safe.</summary>
public sealed record WorkflowExecutorOptions
{
    /// <summary>The redactor every resolved value is registered with; share it with the Serilog redaction sink.</summary>
    public SecretRedactor Redactor { get; init; } = new();

    /// <summary>Where run and node events go (through the redactor). Default: nowhere.</summary>
    public ILogger Logger { get; init; } = Serilog.Core.Logger.None;

    /// <summary>The handler HTTP nodes send through. Default: sockets, no redirects followed, 10 s connect timeout.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How long an HTTP node may take. Default 30 s.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limits of expression nodes and <c>{{= ... }}</c> parts.</summary>
    public ExpressionLimits ExpressionLimits { get; init; } = new();

    /// <summary>
    /// How C# code nodes are compiled, cached, isolated and limited. Its redactor is replaced by <see cref="Redactor"/>,
    /// and <c>context.Http</c> uses <see cref="HttpHandler"/> unless it names its own.
    /// </summary>
    public Sandbox.Workers.ScriptRunnerOptions Scripts { get; init; } = new();

    /// <summary>
    /// The home folder whose <c>runs</c> folder keeps run records; null keeps none. Over a shared PostgreSQL store,
    /// records go to its database instead, so <c>runs show ID</c> works from any host.
    /// </summary>
    public string? RunRecordsHome { get; init; }

    /// <summary>Where run records go, overriding <see cref="RunRecordsHome"/>; null: decided by <see cref="RunRecordsHome"/>.</summary>
    public IRunRecordStore? RunRecords { get; init; }

    /// <summary>The clock that stamps run and node start and end times (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Checks every setting, the expression limits and script options included, listing every problem at once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names every one.</exception>
    public WorkflowExecutorOptions Validate()
    {
        var problems = new List<string>();
        if (HttpTimeout <= TimeSpan.Zero)
        {
            problems.Add("HttpTimeout must be positive");
        }

        foreach (var validate in new Action[] { () => ExpressionLimits.Validate(), () => Scripts.Validate() })
        {
            try
            {
                validate();
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message.Split(" (Parameter", 2)[0]);
            }
        }

        return problems.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(WorkflowExecutorOptions), "WorkflowExecutorOptions: " + string.Join("; ", problems));
    }
}
