using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>A node failed; the message names the node and says why, and holds no secret value.</summary>
public sealed class NodeFailedException : SecretsRuntimeException
{
    /// <summary>Creates the exception for node <paramref name="nodeId"/>, of the given kind.</summary>
    public NodeFailedException(string nodeId, string code, ErrorKind kind, string message)
        : base(code, kind, $"node '{nodeId}': {message}") => NodeId = nodeId;

    /// <summary>The node that failed.</summary>
    public string NodeId { get; }

    /// <summary>Log lines the node wrote before it failed (masked by the runner that wrote them, and again by the executor).</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>Which limit was breached, when <see cref="SecretsRuntimeException.Kind"/> is <see cref="ErrorKind.LimitExceeded"/> and the node knows; else null.</summary>
    public Sandbox.LimitKind? Limit { get; init; }
}
