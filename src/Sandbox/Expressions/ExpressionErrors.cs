using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// The error codes of expressions (expression nodes, <c>{{= ... }}</c> parts, <c>eval</c>), and the factories of the
/// results that carry them: an outcome is a status, a <see cref="LimitKind"/> and a code, never a message to parse.
/// </summary>
public static class ExpressionErrors
{
    /// <summary><c>expression.rejected</c>: refused before it ran (syntax, a forbidden construct, an unknown global).</summary>
    public const string RejectedCode = "expression.rejected";

    /// <summary><c>expression.error</c>: the expression threw, or its result was not data.</summary>
    public const string FailedCode = "expression.error";

    /// <summary>The prefix of the limit codes: <c>expression.limit.</c> and the limit's text (<c>expression.limit.memory</c>).</summary>
    public const string LimitCodePrefix = "expression.limit.";

    /// <summary><c>expression.limit.unknown</c>: a limit was reported without saying which.</summary>
    public const string LimitUnknownCode = "expression.limit.unknown";

    /// <summary>The limits an expression can breach.</summary>
    public static IReadOnlyList<LimitKind> Limits { get; } =
        [LimitKind.Time, LimitKind.Memory, LimitKind.Stack, LimitKind.Result, LimitKind.Statements, LimitKind.Recursion, LimitKind.Regex, LimitKind.SourceLength, LimitKind.Nesting];

    /// <summary>The code of a breached limit, such as <c>expression.limit.statements</c>.</summary>
    public static string LimitCode(LimitKind? limit) => limit is { } kind ? LimitCodePrefix + kind.ToText() : LimitUnknownCode;

    /// <summary>The kind of error a status stands for (null for <see cref="ExpressionStatus.Ok"/>).</summary>
    public static ErrorKind? KindOf(ExpressionStatus status) => status switch
    {
        ExpressionStatus.Ok => null,
        ExpressionStatus.Rejected => ErrorKind.Rejected,
        ExpressionStatus.Limited => ErrorKind.LimitExceeded,
        _ => ErrorKind.Internal,
    };

    /// <summary>A result for a breached limit.</summary>
    internal static ExpressionResult Limited(LimitKind limit, string error) => new(ExpressionStatus.Limited, null, error, false) { Limit = limit };

    /// <summary>A result for an expression refused before it ran.</summary>
    internal static ExpressionResult Rejected(string error) => new(ExpressionStatus.Rejected, null, error, false);

    /// <summary>A result for an expression that failed while running.</summary>
    internal static ExpressionResult Failed(string error) => new(ExpressionStatus.Error, null, error, false);
}
