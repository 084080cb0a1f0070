using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Records;

/// <summary>What one node did in a run, already masked: every resolved value is replaced by the mask.</summary>
public sealed record NodeRecord
{
    /// <summary>The node's id.</summary>
    public required string Id { get; init; }

    /// <summary>The node's type.</summary>
    public required string Type { get; init; }

    /// <summary>How the node ended.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>When the node started, or null when skipped.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the node ended, or null when skipped.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The node's configuration after resolution, masked.</summary>
    public JsonNode? Configuration { get; init; }

    /// <summary>The node's output, masked.</summary>
    public JsonNode? Output { get; init; }

    /// <summary>True when the output held a secret value (it stays masked in the record and the logs).</summary>
    public bool OutputSensitive { get; init; }

    /// <summary>Log lines the node wrote, masked.</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>Why the node failed, masked; null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>The stable code of the failure (<c>code.limit.memory</c>, <c>code.error</c>, <c>http.host_denied</c>); null when it succeeded.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>What kind of failure it was (refused before running, a limit, an error); null when it succeeded.</summary>
    public Redaction.ErrorKind? ErrorKind { get; init; }

    /// <summary>Which limit was breached, when <see cref="ErrorKind"/> is a limit and the node said which; else null.</summary>
    public Sandbox.LimitKind? Limit { get; init; }

    /// <summary>Where the time went, in milliseconds: resolution, evaluation (or worker, http), redaction.</summary>
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();
}
