using Serilog;
using Serilog.Configuration;

namespace Secrets.Runtime.Redaction.Logging;

/// <summary>Serilog configuration for redaction: <c>WriteTo.Redacted(redactor, wt => ...)</c> and <c>.WithSecretRedaction(...)</c>.</summary>
public static class RedactionLoggerConfigurationExtensions
{
    /// <summary>Writes to the sinks configured by <paramref name="configure"/> through a <see cref="RedactingSink"/>.</summary>
    public static LoggerConfiguration Redacted(this LoggerSinkConfiguration sinkConfiguration, SecretRedactor redactor, Action<LoggerSinkConfiguration> configure)
    {
        ArgumentNullException.ThrowIfNull(sinkConfiguration);
        ArgumentNullException.ThrowIfNull(redactor);
        return sinkConfiguration.Sink(LoggerSinkConfiguration.Wrap(sink => new RedactingSink(sink, redactor), configure));
    }

    /// <summary>Turns both on in one call: the enricher (for properties) and the wrapping sink (for templates, exceptions and late enrichers).</summary>
    public static LoggerConfiguration WithSecretRedaction(this LoggerConfiguration configuration, SecretRedactor redactor, Action<LoggerSinkConfiguration> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Enrich.With(new RedactingEnricher(redactor)).WriteTo.Redacted(redactor, configure);
    }
}
