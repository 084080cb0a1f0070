using System.Text;
using Secrets.Runtime.Redaction.Tests.Corpus;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>
/// <see cref="RedactingTextWriter.SearchInParallel"/>: a large drain searched in two parts at once must write exactly
/// what one search of the whole text writes, wherever a form lies against the point where the parts meet.
/// </summary>
public sealed class ParallelSearchTests
{
    private const string Value = "sk_live_51Hx9QpZr2LmNoPq8VwXy";

    [Fact]
    public void A_form_across_the_point_where_the_parts_meet_is_masked_as_one_search_masks_it()
    {
        var redactor = Redactor();
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('q', 40) + Value + new string('z', 40)));
        string[] forms =
        [
            Value,
            "{\"a\":\"\\\"x\\\" \\/p caf\\u00e9\",\"k\":\"" + Value.Replace("_", "\\u005f", StringComparison.Ordinal) + "\"}",
            Uri.EscapeDataString(Value).Replace("_", "%5F", StringComparison.Ordinal),
            Convert.ToHexString(Encoding.UTF8.GetBytes(Value)),
            "-----BEGIN X-----\n" + string.Join('\n', base64.Chunk(64).Select(c => new string(c))) + "\n-----END X-----",
        ];

        // One write of 200,000 characters is one drain: its parts meet at 100,000 unless a hit or a Base64 run crosses
        // that point, when the first part's cut moves back and the rest is searched again from there. Each form is moved
        // across the point a character at a time; the filler has surrogate pairs, so some shifts put one astride it.
        const int length = 200_000;
        var written = new List<(int Split, int SearchedAgain)>();
        foreach (var form in forms)
        {
            for (var shift = -form.Length - 80; shift <= 80; shift += 7)
            {
                var before = Filler((length / 2) + shift);
                var text = before + form + Filler(length - before.Length - form.Length);
                Assert.Equal(length, text.Length);

                var (masked, parts) = Write(redactor, text, parallel: true);

                Assert.True(masked == redactor.Redact(text), $"form {Array.IndexOf(forms, form)} at shift {shift}: the output differs from one search's");
                Assert.DoesNotContain("51Hx9QpZr2", masked, StringComparison.Ordinal);
                written.Add(parts);
            }
        }

        // Both paths ran: parts met where guessed, and a form across that point sent the rest to be searched again.
        Assert.All(written, parts => Assert.True(parts.Split >= 1));
        Assert.Contains(written, parts => parts.SearchedAgain == 0);
        Assert.Contains(written, parts => parts.SearchedAgain >= 1);
    }

    [Fact]
    public void Logs_with_every_form_family_in_writes_of_any_size_are_masked_as_one_search_masks_them()
    {
        var values = GeneratedSecrets.Generate(seed: 14, count: 60);
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        var random = new Random(14);
        var text = new StringBuilder();
        foreach (var chunk in OrdinaryLogs.Chunks(seed: 14, chunkChars: 4096).Take(400))
        {
            var value = values[random.Next(values.Count)];
            var family = ToolForms.Families[random.Next(ToolForms.Families.Length)];
            var forms = ToolForms.Of(value, family);
            text.Append(chunk).Append("planted ").Append(forms[random.Next(forms.Count)]).Append(" end\n");
        }

        var whole = text.ToString();
        var expected = redactor.Redact(whole);

        // Three writers at once share the redactor, as a host's do, each searching in two parts on the thread pool.
        var outputs = Enumerable.Range(0, 3).AsParallel().Select(seed =>
        {
            var sizes = new Random(seed);
            using var output = new StringWriter();
            var writer = new RedactingTextWriter(output, redactor, leaveOpen: true) { SearchInParallel = true };
            using (writer)
            {
                for (var at = 0; at < whole.Length;)
                {
                    var size = Math.Min(whole.Length - at, sizes.Next(4) == 0 ? sizes.Next(1, 4096) : sizes.Next(64 * 1024, 300 * 1024));
                    writer.Write(whole.AsSpan(at, size));
                    at += size;
                }
            }

            return (Masked: output.ToString(), writer.Parts);
        }).ToList();

        Assert.True(whole.Length > 1_600_000);
        Assert.All(outputs, o => Assert.True(o.Masked == expected, "a writer searching in two parts differs from one search of the whole text"));
        Assert.All(outputs, o => Assert.True(o.Parts.Split >= 5, $"only {o.Parts.Split} drains were split"));
        Assert.All(values.Where(v => v.Length >= 16), v => Assert.DoesNotContain(v, outputs[0].Masked, StringComparison.Ordinal));
    }

    [Fact]
    public void A_stream_searching_in_parallel_writes_the_bytes_one_search_writes()
    {
        var redactor = Redactor();
        var text = string.Concat(Enumerable.Range(0, 12_000).Select(i => $"{i} GET /api?token={(i % 50 == 0 ? Uri.EscapeDataString(Value) : "none")} café 😀\n"));
        var bytes = Encoding.UTF8.GetBytes(text);
        using var output = new MemoryStream();
        using (var stream = new RedactingStream(output, redactor, leaveOpen: true) { SearchInParallel = true })
        {
            Assert.True(stream.SearchInParallel);
            for (var at = 0; at < bytes.Length; at += 256 * 1024)
            {
                stream.Write(bytes, at, Math.Min(256 * 1024, bytes.Length - at));
            }
        }

        Assert.True(bytes.Length > 256 * 1024);
        Assert.Equal(redactor.Redact(text), Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(240, Encoding.UTF8.GetString(output.ToArray()).Split("***").Length - 1);
    }

    [Fact]
    public void Small_drains_and_a_writer_left_at_its_default_search_in_one_part()
    {
        var redactor = Redactor();
        var text = Filler(200_000);

        Assert.Equal((0, 0), Write(redactor, text, parallel: false).Parts);
        Assert.Equal((0, 0), Write(redactor, text[..(RedactingTextWriter.ParallelMinimum - 1)], parallel: true).Parts);
        Assert.Equal(1, Write(redactor, text, parallel: true).Parts.Split);
    }

    private static SecretRedactor Redactor()
    {
        var redactor = new SecretRedactor();
        redactor.AddRange(Enumerable.Range(0, 200).Select(i => new RedactionValue($"sk_live_{i:0000}filler{i * 37 % 1000:000}xyz")).Append(new RedactionValue(Value)));
        return redactor;
    }

    private static (string Masked, (int Split, int SearchedAgain) Parts) Write(SecretRedactor redactor, string text, bool parallel)
    {
        using var output = new StringWriter();
        var writer = new RedactingTextWriter(output, redactor, leaveOpen: true) { SearchInParallel = parallel };
        using (writer)
        {
            writer.Write(text);
        }

        return (output.ToString(), writer.Parts);
    }

    /// <summary>Log-like lines with a surrogate pair in each, cut to exactly <paramref name="length"/> characters.</summary>
    private static string Filler(int length)
    {
        var sb = new StringBuilder(length + 64);
        for (var i = 0; sb.Length < length; i++)
        {
            sb.Append(i).Append(" INF GET /api/items?q=caf%C3%A9 😀 200\n");
        }

        return sb.ToString(0, length);
    }
}
