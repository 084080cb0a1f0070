using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>What a node runner returns, before masking: the resolved configuration, the output and any logs.</summary>
internal sealed record NodeOutcome(JsonNode? Resolved, JsonNode? Output, bool Sensitive, IReadOnlyList<string> Logs)
{
    /// <summary>Where the runner's own time went, in milliseconds (for example <c>worker</c>, <c>evaluation</c>).</summary>
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();
}
