using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>An HTTP request node whose method, URL, headers and body are templates rendered when the node runs.</summary>
internal sealed record HttpNode : WorkflowNode
{
    internal HttpNode(string id, int index, JsonObject configuration, IReadOnlyList<string> allowedHosts)
        : base(id, index, configuration) => AllowedHosts = allowedHosts;

    /// <summary>Hosts the request may go to; empty means only the URL's own host as written (a rendered URL may not switch host).</summary>
    public IReadOnlyList<string> AllowedHosts { get; }

    /// <summary>The node type's name in workflow files: <c>"http"</c>.</summary>
    public const string TypeName = "http";

    /// <inheritdoc />
    public override string Type => TypeName;
}
