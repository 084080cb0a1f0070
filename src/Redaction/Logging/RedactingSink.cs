using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Secrets.Runtime.Redaction.Logging;

/// <summary>
/// Wraps a sink and rebuilds every event with its template text, properties and exception masked, because an
/// enricher alone cannot reach the template or the exception and runs before later enrichers. Fails closed: if
/// masking throws, a fixed placeholder event is written instead and <see cref="Failures"/> counts it.
/// </summary>
public sealed class RedactingSink : ILogEventSink, IDisposable
{
    /// <summary>The message written in place of an event that could not be masked.</summary>
    public const string Placeholder = "[event withheld: redaction failed]";

    private static readonly MessageTemplate PlaceholderTemplate = new MessageTemplateParser().Parse(Placeholder);
    private readonly ILogEventSink _inner;
    private readonly SecretRedactor _redactor;
    private long _failures;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RedactingSink(ILogEventSink inner, SecretRedactor redactor)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _redactor = redactor ?? throw new ArgumentNullException(nameof(redactor));
    }

    /// <summary>How many events were replaced by the placeholder.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        LogEvent masked;
        try
        {
            masked = LogEventMasking.Mask(logEvent, _redactor);
        }
#pragma warning disable CA1031 // Fail closed: any failure to mask withholds the event rather than writing it raw.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failures);
            masked = new LogEvent(logEvent.Timestamp, logEvent.Level, null, PlaceholderTemplate, []);
        }

        _inner.Emit(masked);
    }

    /// <inheritdoc />
    public void Dispose() => (_inner as IDisposable)?.Dispose();
}
