using Serilog.Core;
using Serilog.Events;

namespace Secrets.Runtime.Redaction.Logging;

/// <summary>Masks every property value of an event, recursively: scalars as rendered, sequences, structures and dictionaries (keys too).</summary>
public sealed class RedactingEnricher : ILogEventEnricher
{
    private readonly SecretRedactor _redactor;

    /// <summary>Creates the enricher.</summary>
    public RedactingEnricher(SecretRedactor redactor) => _redactor = redactor ?? throw new ArgumentNullException(nameof(redactor));

    /// <inheritdoc />
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        foreach (var (name, value) in logEvent.Properties.ToList())
        {
            var masked = LogEventMasking.Mask(value, _redactor);
            if (!ReferenceEquals(masked, value))
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(name, masked));
            }
        }
    }
}
