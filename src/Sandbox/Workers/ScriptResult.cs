using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>The outcome of a script run, masked.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Value">The return value as JSON.</param>
/// <param name="Error">Why it failed, masked.</param>
/// <param name="Logs">Lines from <c>context.Log</c>, masked.</param>
/// <param name="Sensitive">True when the value holds a secret value.</param>
/// <param name="Diagnostics">Compiler and policy refusals.</param>
internal sealed record ScriptResult(ScriptStatus Status, JsonNode? Value, string? Error, IReadOnlyList<string> Logs, bool Sensitive, IReadOnlyList<ScriptDiagnostic> Diagnostics)
{
    /// <summary>The limit breached, when <see cref="Status"/> is <see cref="ScriptStatus.Limited"/>.</summary>
    public LimitKind? Limit { get; init; }

    /// <summary>The script line a run-time error was thrown at, when known.</summary>
    public int? Line { get; init; }

    /// <summary>
    /// The stable code of the outcome, from <see cref="ScriptErrors"/>: <c>code.rejected</c>, <c>code.error</c> or a
    /// limit's <c>code.limit.*</c> (<c>code.limit.memory</c>); null when the script succeeded. Callers take it from
    /// here, never from the message.
    /// </summary>
    public string? Code => Status switch
    {
        ScriptStatus.Ok => null,
        ScriptStatus.Rejected => ScriptErrors.RejectedCode,
        ScriptStatus.Limited => ScriptErrors.LimitCode(Limit),
        _ => ScriptErrors.FailedCode,
    };

    /// <summary>The one message for a breached limit, as every caller shows it.</summary>
    public static string LimitMessage(LimitKind limit) => limit switch
    {
        LimitKind.BackgroundWork => "limit exceeded: background work (the script left tasks or timers running after it returned)",
        LimitKind.HttpCalls => "limit exceeded: HTTP calls",
        _ => $"limit exceeded: {limit.ToString().ToLowerInvariant()}",
    };

    /// <summary>A result for a breached limit, with the log lines written before it.</summary>
    public static ScriptResult Limited(LimitKind limit, IReadOnlyList<string> logs) => new(ScriptStatus.Limited, null, LimitMessage(limit), logs, false, []) { Limit = limit };
}
