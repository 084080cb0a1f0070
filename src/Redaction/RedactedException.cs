using System.Collections;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// A copy of an exception with every secret masked: the original type's name, message, data, stack trace and inner
/// exceptions (aggregate ones included). Safe to log, return or store.
/// </summary>
public sealed class RedactedException : Exception
{
    private readonly string? _stackTrace;

    private RedactedException(string originalType, string message, string? stackTrace, Exception? inner, IReadOnlyList<RedactedException> innerExceptions)
        : base(message, inner)
    {
        OriginalType = originalType;
        _stackTrace = stackTrace;
        InnerExceptions = innerExceptions;
    }

    /// <summary>Creates an empty instance (for serializers and tests).</summary>
    public RedactedException()
        : this("System.Exception", string.Empty, null, null, [])
    {
    }

    /// <summary>Creates an instance with a message (already free of values).</summary>
    public RedactedException(string message)
        : this("System.Exception", message, null, null, [])
    {
    }

    /// <summary>Creates an instance with a message and inner exception (both already free of values).</summary>
    public RedactedException(string message, Exception innerException)
        : this("System.Exception", message, null, innerException, [])
    {
    }

    /// <summary>The full name of the exception type that was copied.</summary>
    public string OriginalType { get; }

    /// <summary>The masked inner exceptions of an <see cref="AggregateException"/> (or the single inner one).</summary>
    public IReadOnlyList<RedactedException> InnerExceptions { get; }

    /// <inheritdoc />
    public override string? StackTrace => _stackTrace;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"{OriginalType}: {Message}";
        foreach (var inner in InnerExceptions)
        {
            text += $"{Environment.NewLine} ---> {inner}";
        }

        return _stackTrace is null ? text : text + Environment.NewLine + _stackTrace;
    }

    internal static RedactedException From(Exception exception, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is RedactedException already && !redactor.ContainsSecret(already.ToString()))
        {
            return already;
        }

        var inners = exception is AggregateException aggregate
            ? aggregate.InnerExceptions.Select(e => From(e, redactor)).ToList()
            : exception.InnerException is { } single ? [From(single, redactor)] : [];
        var copy = new RedactedException(
            exception.GetType().FullName ?? exception.GetType().Name,
            redactor.Redact(exception.Message),
            exception.StackTrace is { } trace ? redactor.Redact(trace) : null,
            inners.FirstOrDefault(),
            inners);
        foreach (DictionaryEntry item in exception.Data)
        {
            copy.Data[redactor.Redact(Convert.ToString(item.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)] =
                redactor.Redact(Convert.ToString(item.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
        }

        return copy;
    }
}
