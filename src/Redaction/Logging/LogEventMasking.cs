using System.Globalization;
using Serilog.Events;
using Serilog.Parsing;

namespace Secrets.Runtime.Redaction.Logging;

/// <summary>Rebuilds Serilog values and events with every secret masked, through Serilog's public constructors.</summary>
internal static class LogEventMasking
{
    private static readonly MessageTemplateParser Parser = new();

    /// <summary>The value with every secret masked; the same instance when it held none.</summary>
    public static LogEventPropertyValue Mask(LogEventPropertyValue value, SecretRedactor redactor)
    {
        switch (value)
        {
            case ScalarValue { Value: null }:
                return value;
            case ScalarValue { Value: string s }:
                var masked = redactor.Redact(s);
                return ReferenceEquals(masked, s) ? value : new ScalarValue(masked);
            case ScalarValue scalar:
                var rendered = Convert.ToString(scalar.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                return redactor.ContainsSecret(rendered) ? new ScalarValue(redactor.Redact(rendered)) : value;
            case SequenceValue sequence:
                var elements = sequence.Elements.Select(e => Mask(e, redactor)).ToList();
                return elements.SequenceEqual(sequence.Elements) ? value : new SequenceValue(elements);
            case StructureValue structure:
                var properties = structure.Properties.Select(p => new LogEventProperty(redactor.Redact(p.Name) is var n && LogEventProperty.IsValidName(n) ? n : "masked", Mask(p.Value, redactor))).ToList();
                return properties.Zip(structure.Properties).All(x => x.First.Name == x.Second.Name && ReferenceEquals(x.First.Value, x.Second.Value))
                    ? value
                    : new StructureValue(properties, structure.TypeTag is null ? null : redactor.Redact(structure.TypeTag));
            case DictionaryValue dictionary:
                var pairs = dictionary.Elements.Select(p => new KeyValuePair<ScalarValue, LogEventPropertyValue>((ScalarValue)Mask(p.Key, redactor), Mask(p.Value, redactor))).ToList();
                return pairs.Zip(dictionary.Elements).All(x => ReferenceEquals(x.First.Key, x.Second.Key) && ReferenceEquals(x.First.Value, x.Second.Value))
                    ? value
                    : new DictionaryValue(pairs);
            default:
                var text = value.ToString();
                return redactor.ContainsSecret(text) ? new ScalarValue(redactor.Redact(text)) : value;
        }
    }

    /// <summary>
    /// The event with its template text, properties and exception masked: the same instance when none of them held a
    /// secret and it has no exception (most request logs), else a copy.
    /// </summary>
    public static LogEvent Mask(LogEvent logEvent, SecretRedactor redactor)
    {
        var templateText = redactor.Redact(logEvent.MessageTemplate.Text);
        var templateKept = ReferenceEquals(templateText, logEvent.MessageTemplate.Text);
        List<LogEventProperty>? properties = null;
        var index = 0;
        foreach (var (name, value) in logEvent.Properties)
        {
            var masked = Mask(value, redactor);
            if (properties is null && !ReferenceEquals(masked, value))
            {
                // The first property that changed: copy those before it, then go on copying.
                properties = new List<LogEventProperty>(logEvent.Properties.Count);
                foreach (var (earlierName, earlierValue) in logEvent.Properties.Take(index))
                {
                    properties.Add(new LogEventProperty(earlierName, earlierValue));
                }
            }

            properties?.Add(new LogEventProperty(name, masked));
            index++;
        }

        // An exception is always rebuilt masked: its message, data and stack are not compared piece by piece.
        if (templateKept && properties is null && logEvent.Exception is null)
        {
            return logEvent;
        }

        var template = templateKept ? logEvent.MessageTemplate : Parser.Parse(templateText);
        var exception = logEvent.Exception is null ? null : redactor.RedactException(logEvent.Exception);
        return new LogEvent(logEvent.Timestamp, logEvent.Level, exception, template,
            properties ?? logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Value)), logEvent.TraceId ?? default, logEvent.SpanId ?? default);
    }
}
