namespace Secrets.Runtime.Redaction;

/// <summary>
/// The base of every exception secrets-runtime throws on purpose: a stable <see cref="Code"/>, a <see cref="Kind"/>
/// and a message that says what was wrong, where, and how to fix it.
/// </summary>
/// <remarks>
/// It lives in the lowest project because its contract is a redaction contract: a message never holds a secret
/// value, and an inner exception whose message might hold one is never attached raw.
/// </remarks>
public class SecretsRuntimeException : Exception
{
    /// <summary>Creates an exception with a stable code, a kind and a value-free message.</summary>
    /// <param name="code">A stable, dotted, lower-case code such as <c>store.name_invalid</c>.</param>
    /// <param name="kind">The broad class of the error.</param>
    /// <param name="message">What was wrong, where and how to fix it; never a secret value.</param>
    /// <param name="innerException">An inner exception that is already known to be free of values, or null.</param>
    public SecretsRuntimeException(string code, ErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        Kind = kind;
    }

    /// <summary>A stable, dotted, lower-case identifier of the error, safe to match on.</summary>
    public string Code { get; }

    /// <summary>The broad class of the error.</summary>
    public ErrorKind Kind { get; }
}
