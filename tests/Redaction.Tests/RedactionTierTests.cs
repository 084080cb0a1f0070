using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using Secrets.Runtime.Redaction.Tests.Corpus;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>
/// The sampled index searches eight sampled positions at a time where AVX-512 is present (RedactionTier.VectorSearch)
/// and one at a time elsewhere: both paths must give the same hits, in the same order, for every range a caller
/// searches (whole texts, the short ranges around a decoded view's changes, ranges that end a few characters into a
/// block), and each must find a value at every offset of a block.
/// </summary>
public sealed class RedactionTierTests
{
    private static readonly RedactionOptions Options = new();

    private static RedactionTier TierOf(IEnumerable<string> values) =>
        new(values.Select(v => new RedactionEntry(v, v.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture), SecretForms.Registered(v, Options), Options.MinimumValueLength)).ToList());

    private static List<RedactionHit> Hits(RedactionTier tier, string text, int from, int to, bool vectors)
    {
        List<RedactionHit>? hits = null;
        tier.Find(text, from, to, vectors, ref hits);
        return hits ?? [];
    }

    [Fact]
    public void The_vector_search_is_used_where_the_processor_has_avx_512()
    {
        // The differential tests below compare two paths only where the vector one runs; say so rather than pass vacuously.
        Assert.Equal(Avx512F.IsSupported && Avx512DQ.IsSupported && Vector512.IsHardwareAccelerated, RedactionTier.VectorSearch);
    }

    [Fact]
    public void Both_paths_find_the_same_hits_in_the_same_order_over_logs_with_values_in_every_form()
    {
        var values = GeneratedSecrets.Generate(seed: 3, count: 300);
        var tier = TierOf(values);
        var builder = new StringBuilder();
        var planted = 0;
        foreach (var line in OrdinaryLogs.Text(seed: 5, chars: 200_000).Split('\n'))
        {
            builder.Append(line).Append('\n');
            if (builder.Length / 700 > planted)
            {
                var value = values[planted % values.Count];
                var forms = SecretForms.For(value, Options);
                builder.Append("planted ").Append(forms[planted / values.Count % forms.Count]).Append(" end\n");
                planted++;
            }
        }

        var text = builder.ToString();
        var random = new Random(9);
        var ranges = new List<(int From, int To)> { (0, text.Length) };
        for (var i = 0; i < 400; i++)
        {
            var from = random.Next(text.Length);
            ranges.Add((from, Math.Min(text.Length, from + random.Next(1, 400))));
        }

        var whole = Hits(tier, text, 0, text.Length, vectors: true);
        Assert.True(whole.Count >= planted, $"{whole.Count} hits for {planted} planted forms");
        foreach (var (from, to) in ranges)
        {
            Assert.Equal(Hits(tier, text, from, to, vectors: false), Hits(tier, text, from, to, vectors: true));
        }
    }

    [Theory]
    [InlineData("sk_live_a1B2c3D4e5F6g7H8i9J0kLmN")]
    [InlineData("short-12char")]
    [InlineData("abcdefghijklmn")]
    [InlineData("Pässwörd-ñ-ünïcode-Välue")]
    public void A_value_is_found_at_every_offset_of_a_block_by_both_paths_and_in_every_range_that_holds_its_start(string value)
    {
        // The step is the shortest form less three (9 for a 12-character value): 8 × step + step offsets put the value at
        // every lane of a block and in the scalar loop after the last whole block (a short text has no whole block; 300
        // characters after it give every offset blocks); short values (12-15 characters) have one-gram tail candidates
        // too. Filler before and after is ASCII, so the blocks around an ASCII value are vectorized.
        var tier = TierOf([value, "another-value-0123456789"]);
        for (var offset = 0; offset < 120; offset++)
        {
            foreach (var after in new[] { 0, 1, 5, 40, 300 })
            {
                var text = new string('.', offset) + value + new string(',', after);
                var expected = Hits(tier, text, 0, text.Length, vectors: false);
                Assert.Contains(expected, h => h.Start == offset && h.End == offset + value.Length);
                Assert.Equal(expected, Hits(tier, text, 0, text.Length, vectors: true));

                // A range that ends just past the value's start, and one that starts at it.
                Assert.Equal(expected, Hits(tier, text, 0, offset + 1, vectors: true));
                Assert.Equal(expected, Hits(tier, text, offset, text.Length, vectors: true));
                Assert.Empty(Hits(tier, text, offset + 1, text.Length, vectors: true));
            }
        }
    }

    [Fact]
    public void A_block_with_characters_beyond_ascii_finds_a_value_in_another_case_as_the_scalar_path_does()
    {
        // Long values match in any case (Uri lower-cases, tools upper-case), and the index keys a gram by its invariant
        // upper case. Clearing the ASCII case bit happens to fold é and ü too, but not ā (upper Ā is one below) or ÷
        // (it has no upper case, and the bit would turn it into ×): a block that holds them must take the scalar fold.
        const string value = "Écluse-Māori-őrség-÷-geheim-42";
        var tier = TierOf([value]);
        foreach (var form in new[] { value, value.ToUpperInvariant(), value.ToLowerInvariant() })
        {
            for (var offset = 0; offset < 90; offset += 7)
            {
                // Long enough for whole blocks (eight positions 27 apart for this one 30-character value).
                var text = new string('ā', offset % 3) + new string('z', offset) + form + " tail " + new string('z', 300);
                var scalar = Hits(tier, text, 0, text.Length, vectors: false);
                Assert.Contains(scalar, h => h.Start == (offset % 3) + offset);
                Assert.Equal(scalar, Hits(tier, text, 0, text.Length, vectors: true));
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Both_paths_find_exactly_the_occurrences_a_form_by_form_scan_finds_in_texts_dense_with_values(bool extended)
    {
        // The index batches the positions that pass its filters and looks them up together (prefetching), so a text
        // with hundreds of hits in one search fills and flushes the batch many times; a scan of every form at every
        // position, which shares none of that machinery, is what both paths must agree with. Built in one go the forms
        // sit in one array; extended twice, the second time past the room the first extension left, they are copied.
        var values = GeneratedSecrets.Generate(seed: 17, count: 90);
        var entries = values.Select(EntryOf).ToList();
        var tier = extended
            ? new RedactionTier(entries[..10], extensible: true).Extend(entries[10..20]).Extend(entries[20..])
            : new RedactionTier(entries);
        var random = new Random(23);
        for (var round = 0; round < 6; round++)
        {
            var builder = new StringBuilder();
            foreach (var line in OrdinaryLogs.Text(seed: 40 + round, chars: 24_000).Split('\n'))
            {
                builder.Append(line[..Math.Min(line.Length, random.Next(20, 160))]).Append(' ');
                var forms = SecretForms.For(values[random.Next(values.Count)], Options);
                var form = forms[random.Next(forms.Count)];
                builder.Append(random.Next(4) == 0 ? form.ToUpperInvariant() : form).Append(random.Next(3) == 0 ? "\n" : " ");
            }

            var text = builder.ToString();
            var whole = Scan(entries, text, 0, text.Length);
            Assert.True(whole.Count > 200, $"{whole.Count} occurrences");
            Assert.Equal(whole, Starts(Hits(tier, text, 0, text.Length, vectors: true)));
            Assert.Equal(whole, Starts(Hits(tier, text, 0, text.Length, vectors: false)));
            for (var i = 0; i < 30; i++)
            {
                var from = random.Next(text.Length);
                var to = Math.Min(text.Length, from + random.Next(1, 3000));
                var expected = whole.Where(h => h.Start >= from && h.Start < to).ToList();
                Assert.Equal(expected, Starts(Hits(tier, text, from, to, vectors: true)));
                Assert.Equal(expected, Starts(Hits(tier, text, from, to, vectors: false)));
            }
        }
    }

    private static RedactionEntry EntryOf(string value) =>
        new(value, value.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture), SecretForms.Registered(value, Options), Options.MinimumValueLength);

    private static List<(int Start, string? Name)> Starts(List<RedactionHit> hits) => [.. hits.Select(h => (h.Start, h.Name)).Order()];

    /// <summary>Every start in [from, to) of every distinct form (as the tier keeps them), by an ordinal search per form.</summary>
    private static List<(int Start, string? Name)> Scan(IEnumerable<RedactionEntry> entries, string text, int from, int to)
    {
        var forms = new Dictionary<(string, bool), RedactionPattern>();
        foreach (var pattern in entries.SelectMany(e => e.Patterns()))
        {
            forms.TryAdd((pattern.Text, pattern.IgnoreCase), pattern);
        }

        var found = new List<(int, string?)>();
        foreach (var pattern in forms.Values)
        {
            var comparison = pattern.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            for (var start = text.AsSpan(from).IndexOf(pattern.Text, comparison); start >= 0 && from + start < to; )
            {
                var at = from + start;
                var token = (at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (at + pattern.Text.Length >= text.Length || !char.IsLetterOrDigit(text[at + pattern.Text.Length]));
                if (!pattern.TokenOnly || token)
                {
                    found.Add((at, pattern.Entry.Name));
                }

                var next = text.AsSpan(at + 1).IndexOf(pattern.Text, comparison);
                start = next < 0 ? -1 : at + 1 + next - from;
            }
        }

        return [.. found.Order()];
    }

    [Fact]
    public void Values_straddling_a_64_KB_write_are_masked_at_every_lane_of_a_block()
    {
        // The stream searches each write's text from its held-back tail: a value cut by the write boundary at any of a
        // block's eight lanes (and between them) is found once the rest arrives.
        var values = GeneratedSecrets.Generate(seed: 21, count: 40);
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        // ASCII filler, so a character offset is a byte offset and the boundary falls where the loop puts it.
        var filler = new string(OrdinaryLogs.Text(seed: 8, chars: 70_000).Select(c => c is >= ' ' and < (char)0x7F ? c : ' ').ToArray());
        for (var shift = 0; shift < 80; shift += 3)
        {
            var value = values[shift % values.Count];
            var prefix = filler[..(65_536 - shift)];
            var text = prefix + " " + value + " " + filler[..3000];
            var bytes = Encoding.UTF8.GetBytes(text);
            using var output = new MemoryStream();
            using (var stream = new RedactingStream(output, redactor, leaveOpen: true))
            {
                for (var at = 0; at < bytes.Length; at += 65_536)
                {
                    stream.Write(bytes, at, Math.Min(65_536, bytes.Length - at));
                }
            }

            var masked = Encoding.UTF8.GetString(output.ToArray());
            Assert.DoesNotContain(value, masked, StringComparison.Ordinal);
            Assert.Contains(" *** ", masked, StringComparison.Ordinal);
        }
    }
}
