using System.Text.Json.Nodes;

namespace Secrets.Runtime.Hosting;

/// <summary>Expressions to evaluate with <see cref="SecretsRuntime.EvaluateAsync"/>, as the expression nodes of one run would be.</summary>
public sealed record EvaluationRequest
{
    /// <summary>The JavaScript expressions, evaluated in order.</summary>
    public required IReadOnlyList<string> Expressions { get; init; }

    /// <summary>The secrets the expressions may read; null: exactly the names each expression references.</summary>
    public IReadOnlyCollection<string>? Allow { get; init; }

    /// <summary>The input, available as <c>inputs</c>.</summary>
    public JsonNode? Input { get; init; }

    /// <summary>The organization whose shared secrets apply (default <c>default</c>).</summary>
    public string Organization { get; init; } = "default";

    /// <summary>The project whose secrets are looked up first; null: none.</summary>
    public string? Project { get; init; }
}
