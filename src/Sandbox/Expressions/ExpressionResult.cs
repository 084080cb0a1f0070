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

    /// <summary>Which limit was breached, when <see cref="Status"/> is <see cref="ExpressionStatus.Limited"/>; else null.</summary>
    public LimitKind? Limit { get; init; }

    /// <summary>The stable code of the outcome (<c>expression.limit.memory</c>, <c>expression.rejected</c>, <c>expression.error</c>); null when it succeeded.</summary>
    public string? Code => Status switch
    {
        ExpressionStatus.Ok => null,
        ExpressionStatus.Rejected => ExpressionErrors.RejectedCode,
        ExpressionStatus.Limited => ExpressionErrors.LimitCode(Limit),
        _ => ExpressionErrors.FailedCode,
    };

    /// <summary>The kind of error the outcome is (null when it succeeded): what exit codes and node records are mapped from.</summary>
    public Redaction.ErrorKind? Kind => ExpressionErrors.KindOf(Status);
}
