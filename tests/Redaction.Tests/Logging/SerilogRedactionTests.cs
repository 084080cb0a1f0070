using System.Text;
using Secrets.Runtime.Redaction.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Secrets.Runtime.Redaction.Tests.Logging;

public sealed class SerilogRedactionTests : IDisposable
{
    private const string Secret = "sk_live_51HxQ\"key/+";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("serilog-");

    public void Dispose() => _dir.Delete(recursive: true);

    private sealed class Collect : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private sealed class Throwing : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => logEvent.AddPropertyIfAbsent(new LogEventProperty("Bad", new BadValue()));
    }

    private sealed class BadValue : LogEventPropertyValue
    {
        public override void Render(TextWriter output, string? format = null, IFormatProvider? formatProvider = null) => throw new InvalidOperationException("boom");
    }

    [Fact]
    public void No_form_of_a_value_reaches_text_or_compact_json_files()
    {
        var redactor = new SecretRedactor();
        redactor.Add(Secret, "STRIPE");
        var text = Path.Combine(_dir.FullName, "log.txt");
        var json = Path.Combine(_dir.FullName, "log.json");
        var logger = new LoggerConfiguration()
            .WithSecretRedaction(redactor, wt =>
            {
                wt.File(text);
                wt.File(new CompactJsonFormatter(), json);
            })
            .CreateLogger();

        logger.Information("plain {Value} and {@Object} and {Dict} and {Seq}", Secret, new { Key = Secret, Nested = new { Deep = Secret } },
            new Dictionary<string, string> { [Secret] = Secret }, new[] { Secret });
        logger.Information("template text holds " + Secret + " directly");
        logger.Information("base64 {B64} url {Url}", Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + Secret)), Uri.EscapeDataString(Secret));
        logger.Error(new InvalidOperationException("failed with " + Secret, new AggregateException(new ArgumentException(Secret))), "error {Where}", "here");
        logger.ForContext("Late", Secret).Warning("late property");
        logger.Dispose();

        foreach (var file in new[] { text, json })
        {
            var content = File.ReadAllText(file);
            Assert.Contains("***", content, StringComparison.Ordinal);
            foreach (var form in SecretForms.For(Secret, redactor.Options))
            {
                Assert.DoesNotContain(form, content, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_secret_spanning_template_text_and_a_property_is_masked()
    {
        var redactor = new SecretRedactor();
        redactor.Add("split-across-parts-123");
        var sink = new Collect();
        var logger = new LoggerConfiguration().WriteTo.Redacted(redactor, wt => wt.Sink(sink)).CreateLogger();

        logger.Information("value split-across-{Rest}", "parts-123");

        Assert.DoesNotContain("split-across-parts-123", sink.Events[0].RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_with_no_secret_and_no_exception_is_passed_on_without_a_copy()
    {
        var redactor = new SecretRedactor();
        redactor.Add(Secret, "STRIPE");
        var sink = new Collect();
        var logEvent = Event("GET {Path} answered {Status}", null, ("Path", new ScalarValue("/api/v1/secrets")), ("Status", new ScalarValue(200)));

        new RedactingSink(sink, redactor).Emit(logEvent);

        Assert.Same(logEvent, sink.Events.Single());
    }

    [Fact]
    public void A_secret_in_a_later_property_is_masked_in_a_copy_that_keeps_every_earlier_property()
    {
        var redactor = new SecretRedactor();
        redactor.Add(Secret, "STRIPE");
        var sink = new Collect();
        var logEvent = Event("{First} {Second} {Third}", null, ("First", new ScalarValue("one")), ("Second", new ScalarValue(2)), ("Third", new ScalarValue("key " + Secret)));

        new RedactingSink(sink, redactor).Emit(logEvent);

        var written = sink.Events.Single();
        Assert.NotSame(logEvent, written);
        Assert.Equal(["First", "Second", "Third"], written.Properties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("one", ((ScalarValue)written.Properties["First"]).Value);
        Assert.Equal(2, ((ScalarValue)written.Properties["Second"]).Value);
        Assert.DoesNotContain(Secret, (string)((ScalarValue)written.Properties["Third"]).Value!, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, written.RenderMessage(), StringComparison.Ordinal);
        Assert.Equal("key " + Secret, ((ScalarValue)logEvent.Properties["Third"]).Value);
    }

    [Fact]
    public void An_event_with_an_exception_is_always_copied_with_the_exception_masked()
    {
        var redactor = new SecretRedactor();
        redactor.Add(Secret, "STRIPE");
        var sink = new Collect();
        var logEvent = Event("failed", new InvalidOperationException("failed with " + Secret));

        new RedactingSink(sink, redactor).Emit(logEvent);

        var written = sink.Events.Single();
        Assert.NotSame(logEvent, written);
        Assert.DoesNotContain(Secret, written.Exception!.ToString(), StringComparison.Ordinal);
    }

    private static LogEvent Event(string template, Exception? exception, params (string Name, LogEventPropertyValue Value)[] properties) =>
        new(DateTimeOffset.UnixEpoch, LogEventLevel.Information, exception, new Serilog.Parsing.MessageTemplateParser().Parse(template),
            properties.Select(p => new LogEventProperty(p.Name, p.Value)));

    [Fact]
    public void When_masking_fails_the_event_is_withheld_and_counted()
    {
        var redactor = new SecretRedactor();
        redactor.Add("whatever-secret-1");
        var sink = new Collect();
        var redacting = new RedactingSink(sink, redactor);
        var logger = new LoggerConfiguration().Enrich.With(new Throwing()).WriteTo.Sink(redacting).CreateLogger();

        logger.Information("message with whatever-secret-1");

        Assert.Equal(RedactingSink.Placeholder, sink.Events.Single().RenderMessage());
        Assert.Equal(1, redacting.Failures);
    }

    [Fact]
    public void Logging_from_many_threads_while_secrets_are_added_never_writes_a_registered_value()
    {
        var redactor = new SecretRedactor();
        var sink = new Collect();
        var logger = new LoggerConfiguration().WriteTo.Redacted(redactor, wt => wt.Sink(sink)).CreateLogger();
        redactor.Add("value-000-abcdef");

        Parallel.For(0, 200, i =>
        {
            if (i % 10 == 0)
            {
                redactor.Add($"value-{i:000}-abcdef");
            }

            logger.Information("logged {Value}", "value-000-abcdef");
        });
        logger.Dispose();

        lock (sink.Events)
        {
            Assert.All(sink.Events.ToList(), e => Assert.DoesNotContain("value-000-abcdef", e.RenderMessage(), StringComparison.Ordinal));
        }
    }
}
