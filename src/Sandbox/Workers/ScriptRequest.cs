namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>One run of a code-node script.</summary>
internal sealed record ScriptRequest
{
    /// <summary>The C# script.</summary>
    public required string Source { get; init; }

    /// <summary>Alias to value: the node's credentials only.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>The node's input as JSON text.</summary>
    public string InputJson { get; init; } = "null";

    /// <summary>The run.</summary>
    public CSharp.ScriptRunInfo Run { get; init; } = new("-", "-", "-", "manual");

    /// <summary>
    /// The organization the run belongs to. A worker that served a run is reused only for the same tenant, the same
    /// <see cref="Principal"/> and exactly the same credentials (aliases and values).
    /// </summary>
    public string Tenant { get; init; } = "default";

    /// <summary>The user the run acts for; part of the worker reuse key with <see cref="Tenant"/> and the credentials.</summary>
    public string Principal { get; init; } = "-";

    /// <summary>Hosts <c>context.Http</c> may call (<c>host</c>, <c>host:port</c>, <c>*.domain</c>); empty (default) allows none.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Limits, or null for the runner's defaults.</summary>
    public ScriptLimits? Limits { get; init; }
}
