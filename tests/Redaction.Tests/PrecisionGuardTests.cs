using Secrets.Runtime.Redaction.Tests.Corpus;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>
/// The precision guard: ordinary logs (access logs, JSON lines, stack traces, Base64 blobs, hex hashes, UUIDs, PEM
/// certificates, HTML) streamed through the redacting writer with 1,000 registered values produce no mask at all.
/// </summary>
public sealed class PrecisionGuardTests
{
    /// <summary>
    /// How much log text the test streams. The benchmark streams the full 200 MB (<c>--quick redaction</c>); the
    /// test streams 64 MB, which keeps it to a few seconds on a shared 2-core machine.
    /// </summary>
    public const int TestChars = 64 << 20;

    private const string Mask = "\u2588MASK\u2588";

    [Fact]
    public void Ordinary_logs_with_a_thousand_registered_values_produce_no_mask()
    {
        var (_, redactor) = Registered();
        var counter = new MaskCounter();
        long written = 0;

        using (var writer = new RedactingTextWriter(counter, redactor, leaveOpen: true))
        {
            foreach (var chunk in OrdinaryLogs.Chunks(seed: 11))
            {
                writer.Write(chunk);
                written += chunk.Length;
                if (written >= TestChars)
                {
                    break;
                }
            }
        }

        Assert.Equal(0, counter.Masks);
        Assert.Equal(written, counter.Characters);
    }

    [Fact]
    public void The_same_pipeline_counts_every_value_planted_in_the_logs()
    {
        var (values, redactor) = Registered();
        var counter = new MaskCounter();
        var planted = 0;

        using (var writer = new RedactingTextWriter(counter, redactor, leaveOpen: true))
        {
            foreach (var chunk in OrdinaryLogs.Chunks(seed: 11).Take(40))
            {
                writer.Write(chunk);
                var value = values[planted * 97 % values.Count];
                var family = ToolForms.Families[planted % ToolForms.Families.Length];
                writer.Write($"planted {ToolForms.Of(value, family)[0]} end\n");
                planted++;
            }
        }

        Assert.Equal(planted, counter.Masks);
    }

    private static (List<string> Values, SecretRedactor Redactor) Registered()
    {
        var values = GeneratedSecrets.Generate(seed: 7, count: 1000);
        var redactor = new SecretRedactor(new RedactionOptions { Mask = Mask });
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        return (values, redactor);
    }

    private sealed class MaskCounter : TextWriter
    {
        public int Masks { get; private set; }

        public long Characters { get; private set; }

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Characters++;

        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (buffer.SequenceEqual(Mask))
            {
                Masks++;
            }
            else
            {
                Characters += buffer.Length;
            }
        }
    }
}
