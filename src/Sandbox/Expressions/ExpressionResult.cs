using System.Text.Json.Nodes;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>The outcome of an evaluation: plain JSON data, or a masked error.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Value">The result as JSON data (null for JavaScript null or undefined, and on failure).</param>
/// <param name="Error">What went wrong, masked; null on success.</param>
/// <param name="Sensitive">True when the value holds a secret value (callers mask it in records and logs).</param>
public sealed record ExpressionResult(ExpressionStatus Status, JsonNode? Value, string? Error, bool Sensitive)
{
    /// <summary>True when the expression returned <c>undefined</c> (then <see cref="Value"/> is null).</summary>
    public bool IsUndefined { get; init; }
}
