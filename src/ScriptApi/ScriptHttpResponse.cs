using System.Text.Json.Nodes;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The response to a <see cref="ScriptHttp"/> call.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Body">The body as text (capped by the host).</param>
/// <param name="Headers">Response headers (case-insensitive names; repeated headers joined with a comma).</param>
public sealed record ScriptHttpResponse(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>True for a 2xx status.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The body parsed as JSON.</summary>
    public JsonNode? Json() => string.IsNullOrWhiteSpace(Body) ? null : JsonNode.Parse(Body);
}
