using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>POST /api/v1/runs</c>: a manual run of a workflow sent inline.</summary>
public sealed record InlineRunRequest
{
    /// <summary>The workflow document; its <c>owner</c> is the caller whatever it says.</summary>
    public required JsonObject Workflow { get; init; }

    /// <summary>The run input, available as <c>inputs</c>.</summary>
    public JsonNode? Input { get; init; }
}
