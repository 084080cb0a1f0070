using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>An HTTP node got a non-success status; <see cref="Output"/> holds the response (masked before it is recorded).</summary>
internal sealed class HttpNodeStatusException : SecretsRuntimeException
{
    /// <summary>Creates the exception for node <paramref name="nodeId"/>.</summary>
    public HttpNodeStatusException(string nodeId, int status, JsonNode output)
        : base(WorkflowErrors.HttpStatusCode, ErrorKind.Refused, string.Create(CultureInfo.InvariantCulture, $"node '{nodeId}': HTTP {status}"))
    {
        Status = status;
        Output = output;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The response as node output.</summary>
    public JsonNode Output { get; }
}
