namespace Secrets.Runtime.Redaction.Tests;

public sealed class RedactingTextWriterTests
{
    private const string Text = "start sk-live-AbCdEf123456 middle 😀tok-😀-value-99 end";

    [Fact]
    public void A_value_split_at_every_position_is_masked()
    {
        var redactor = new SecretRedactor();
        redactor.Add("sk-live-AbCdEf123456");
        redactor.Add("😀tok-😀-value-99");
        var expected = redactor.Redact(Text);

        for (var split = 0; split <= Text.Length; split++)
        {
            using var output = new StringWriter();
            using (var writer = new RedactingTextWriter(output, redactor, leaveOpen: true))
            {
                writer.Write(Text[..split]);
                writer.Write(Text[split..]);
            }

            Assert.Equal(expected, output.ToString());
        }
    }

    [Fact]
    public void Character_by_character_writes_never_emit_part_of_a_value()
    {
        var redactor = new SecretRedactor();
        redactor.Add("sk-live-AbCdEf123456");
        using var output = new StringWriter();
        using var writer = new RedactingTextWriter(output, redactor, leaveOpen: true);

        foreach (var c in Text)
        {
            writer.Write(c);
            Assert.DoesNotContain("sk-live-AbCdEf1", output.ToString(), StringComparison.Ordinal);
        }

        writer.Flush();
        Assert.Equal(redactor.Redact(Text), output.ToString());
    }

    [Fact]
    public void Text_is_held_back_no_longer_than_the_furthest_an_escaped_form_can_spread()
    {
        var redactor = new SecretRedactor();
        redactor.Add("secret-value-12345");
        using var output = new StringWriter();
        using var writer = new RedactingTextWriter(output, redactor, leaveOpen: true);

        writer.Write(new string('a', 10_000));

        Assert.Equal((redactor.MaxPatternLength * SecretRedactor.ExtentFactor) - 1, redactor.HoldBack);
        Assert.Equal(10_000 - redactor.HoldBack, output.ToString().Length);
    }

    [Fact]
    public void A_wrapped_Base64_form_is_masked_wherever_a_drain_cuts_its_first_line()
    {
        // The joiner tells a wrapped block by its first line's whole run (64 or 76 characters). The value's Base64 starts
        // inside that run (after the PEM label's bytes), so a drain could cut between the run's start and the hit's: the
        // next one then began inside the run, saw a shorter one and left the form's lines unmasked (found on the bench's
        // logs in 4 KB writes, as `redact` read them).
        const string value = "ghp_oi6G25nR1DFocFoJNcs4c0qX5rABqktXY4QZ";
        var redactor = new SecretRedactor();
        redactor.Add(value);
        var lines = Corpus.ToolForms.Wrap(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("-----key-----\n" + value + "\n" + value)), 64, "\n").Split('\n');
        Assert.Equal([64, 64], lines.Select(l => l.Length));
        var log = string.Concat(Enumerable.Range(0, 120).Select(i => $"2026-12-04T10:00:{i % 60:00}Z INF GET /api/items/{i} 200\n"));
        var blob = string.Concat(Enumerable.Range(0, 12).Select(i => new string((char)('A' + i), 64) + "\n"));
        var body = log + blob + "planted " + string.Join("\n", lines) + " end\n" + log;
        var run = body.IndexOf(lines[0], StringComparison.Ordinal);

        // In 4 KB writes, the second drain cuts at 8,192 less the hold-back (no hit crosses it): padding puts that cut at
        // each character of the run's first line, and a little before and after it.
        var cut = (2 * 4096) - redactor.HoldBack;
        var mismatches = new List<int>();
        for (var offset = -4; offset <= 68; offset++)
        {
            var text = new string('x', cut - offset - run - 1) + "\n" + body;
            using var output = new StringWriter();
            using (var writer = new RedactingTextWriter(output, redactor, leaveOpen: true))
            {
                for (var i = 0; i < text.Length; i += 4096)
                {
                    writer.Write(text.AsSpan(i, Math.Min(4096, text.Length - i)));
                }
            }

            if (output.ToString() != redactor.Redact(text) || lines.Skip(1).Any(l => output.ToString().Contains(l[..40], StringComparison.Ordinal)))
            {
                mismatches.Add(offset);
            }
        }

        Assert.Empty(mismatches);
    }
}
