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
}
