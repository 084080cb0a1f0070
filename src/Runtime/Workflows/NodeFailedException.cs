using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows;

/// <summary>A node failed; the message names the node and says why, and holds no secret value.</summary>
public sealed class NodeFailedException : SecretsRuntimeException
{
    /// <summary>Creates the exception for node <paramref name="nodeId"/>, refused by a rule.</summary>
    public NodeFailedException(string nodeId, string code, string message)
        : this(nodeId, code, ErrorKind.Refused, message)
    {
    }

    /// <summary>Creates the exception for node <paramref name="nodeId"/>, of the given kind.</summary>
    public NodeFailedException(string nodeId, string code, ErrorKind kind, string message)
        : base(code, kind, $"node '{nodeId}': {message}") => NodeId = nodeId;

    /// <summary>The node that failed.</summary>
    public string NodeId { get; }

    /// <summary>Log lines the node wrote before it failed (masked by the runner that wrote them, and again by the executor).</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];
}
