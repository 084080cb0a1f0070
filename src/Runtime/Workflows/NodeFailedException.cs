using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows;

/// <summary>A node failed; the message names the node and says why, and holds no secret value.</summary>
public sealed class NodeFailedException : SecretsRuntimeException
{
    /// <summary>Creates the exception for node <paramref name="nodeId"/>.</summary>
    public NodeFailedException(string nodeId, string code, string message)
        : base(code, ErrorKind.Refused, $"node '{nodeId}': {message}") => NodeId = nodeId;

    /// <summary>The node that failed.</summary>
    public string NodeId { get; }
}
