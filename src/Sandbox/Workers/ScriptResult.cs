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
public sealed record ScriptResult(ScriptStatus Status, JsonNode? Value, string? Error, IReadOnlyList<string> Logs, bool Sensitive, IReadOnlyList<ScriptDiagnostic> Diagnostics);
