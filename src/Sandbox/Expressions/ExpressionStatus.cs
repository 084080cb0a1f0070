namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>How an evaluation ended.</summary>
public enum ExpressionStatus
{
    /// <summary>The expression returned a value.</summary>
    Ok,

    /// <summary>Refused before running: syntax error, forbidden construct, unknown global, source too long or too deep.</summary>
    Rejected,

    /// <summary>A limit was exceeded (time, statements, memory, recursion, stack, regex, array size, result size).</summary>
    Limited,

    /// <summary>The expression threw.</summary>
    Error,
}
