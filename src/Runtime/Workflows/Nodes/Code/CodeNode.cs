using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>A C# custom-code node: a script run in a worker process with its aliased credentials.</summary>
internal sealed record CodeNode : WorkflowNode
{
    internal CodeNode(string id, int index, JsonObject configuration, string source, string? sourceFile, IReadOnlyList<CodeCredential> credentials, IReadOnlyList<string> allowedHosts)
        : base(id, index, configuration)
    {
        Source = source;
        SourceFile = sourceFile;
        Credentials = credentials;
        AllowedHosts = allowedHosts;
    }

    /// <summary>The C# script source (read from <see cref="SourceFile"/> when the node names a file).</summary>
    public string Source { get; }

    /// <summary>The full path of the script file, or null when the source is inline.</summary>
    public string? SourceFile { get; }

    /// <summary>The secrets the script may read, by alias.</summary>
    public IReadOnlyList<CodeCredential> Credentials { get; }

    /// <summary>Hosts the script may call through <c>context.Http</c>; empty means none.</summary>
    public IReadOnlyList<string> AllowedHosts { get; }

    /// <summary>The node type's name in workflow files: <c>"code"</c>.</summary>
    public const string TypeName = "code";

    /// <inheritdoc />
    public override string Type => TypeName;
}
