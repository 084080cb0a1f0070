using System.Text.Json.Nodes;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>One expression to evaluate, with the values the host has resolved for it.</summary>
internal sealed record ExpressionRequest
{
    /// <summary>A JavaScript expression, or (with <see cref="IsTemplate"/>) template text containing <c>${...}</c>.</summary>
    public required string Expression { get; init; }

    /// <summary>True when <see cref="Expression"/> is template text, evaluated as a template literal.</summary>
    public bool IsTemplate { get; init; }

    /// <summary>Secret values by name, as the host resolved them. Only the allowed names reach the script.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>An explicit allow-list; when null the expression may read exactly the names it references statically.</summary>
    public IReadOnlyCollection<string>? AllowedSecrets { get; init; }

    /// <summary>Outputs of earlier nodes, as <c>nodes</c> (read-only): <c>{ "id": { "output": ... } }</c>.</summary>
    public JsonNode? Nodes { get; init; }

    /// <summary>The run input, as <c>inputs</c> (read-only).</summary>
    public JsonNode? Inputs { get; init; }
}
