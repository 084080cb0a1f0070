using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>POST .../workflows/{name}/runs</c>.</summary>
public sealed record StartRunRequest
{
    /// <summary><c>manual</c> (the caller's personal secrets apply), <c>api</c> (default), <c>webhook</c> or <c>schedule</c> (the owner's apply).</summary>
    public string? Trigger { get; init; }

    /// <summary>The run input, available as <c>inputs</c>.</summary>
    public JsonNode? Input { get; init; }
}
