using System.Net;
using System.Text;
using System.Text.Json;
using Secrets.Runtime.Redaction.Tests.Corpus;
using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction.Tests.Views;

/// <summary>
/// An escape whose decoded characters no form holds, and which decode to no decoder's trigger, opens no window in a
/// view (<see cref="EscapeFilter"/>): no match can hold them and no nested escape can start there. The views must still
/// find every hit they found when every escape opened its window.
/// </summary>
public sealed class EscapeFilterTests
{
    /// <summary>Values of the shapes of tokens, keys, URLs and accented passwords: no quote, space, '!', '&lt;', '&amp;' or line break in any form.</summary>
    private static readonly List<string> Values = GeneratedSecrets.Generate(seed: 23, count: 160).Where((_, i) => i % 9 is not 3 and not 7).ToList();

    [Fact]
    public void Escapes_that_decode_to_characters_of_no_form_open_no_window()
    {
        var redactor = Redactor();
        var filter = redactor.EscapeFilter;
        Assert.False(filter.Matters("\""));
        Assert.False(filter.Matters(" "));
        Assert.True(filter.Matters("é"));

        var text = "{\"msg\":\"a \\\"quoted\\\" word\\t\"," + JsonSerializer.Serialize(Values[0]) + "}\n";
        Assert.Equal(0, DecodedLength(text, 2, filter));
        Assert.True(DecodedLength(text, 2, EscapeFilter.None) > 0);
        Assert.Equal(0, DecodedLength("GET /search?q=a%20b+c%21 HTTP/1.1\n", 0, filter));
        Assert.Equal(0, DecodedLength("<p title=\"it&#39;s &lt;b&gt;\">x</p>\n", 1, filter));
    }

    /// <summary>A nested escape may start at a decoded trigger ('&amp;' and the line break are in no form here), so it opens a window.</summary>
    [Theory]
    [InlineData("x \\\\u00e9 y\n", 2)]
    [InlineData("x %2541 y\n", 0)]
    [InlineData("x &amp;#233; y\n", 1)]
    [InlineData("x \\n y\n", 2)]
    public void An_escape_that_decodes_to_a_decoder_s_trigger_opens_a_window(string text, int decoder)
    {
        var filter = Redactor().EscapeFilter;
        Assert.True(DecodedLength(text, decoder, filter) > 0);
    }

    /// <summary>
    /// A nested escape whose inner characters are escaped themselves (<c>&amp;#\u0031\u0032\u0032;</c>): no form holds
    /// them, but once a decoded trigger elsewhere in the text has the view decoded again, they make an escape of the
    /// value's last character. Their escapes must open a window.
    /// </summary>
    [Theory]
    [InlineData("zestopenz", "&#", "122", ";")]
    [InlineData("modtomz", "%", "7a", "")]
    [InlineData("modtomz", "&#x", "7a", ";")]
    public void An_escape_that_decodes_to_a_character_inside_a_nested_escape_opens_a_window(string value, string prefix, string inner, string suffix)
    {
        var options = new RedactionOptions();
        Assert.DoesNotContain(SecretForms.Registered(value, options), f => f.Text.AsSpan().ContainsAny(inner));
        var redactor = new SecretRedactor(options);
        redactor.Add(value);

        // The first line decodes to both triggers, so the backslash view is decoded again for entities and percent escapes.
        var escaped = string.Concat(inner.Select(c => $"\\u00{(int)c:x2}"));
        var text = "opened \\u0026 and \\u0025 here\n" + "key=" + value[..^1] + prefix + escaped + suffix + " end\n";
        var general = redactor.Find(text, filterEscapes: false) ?? [];
        var filtered = redactor.Find(text, filterEscapes: true) ?? [];

        var start = text.IndexOf(value[..^1], StringComparison.Ordinal);
        Assert.Contains(general, h => h.Start == start && h.End == text.IndexOf(" end", StringComparison.Ordinal));
        Assert.Equal(general.ToHashSet(), filtered.ToHashSet());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Filtered_views_find_exactly_the_hits_of_views_where_every_escape_opens_its_window(int seed)
    {
        var redactor = Redactor();
        var filter = redactor.EscapeFilter;
        var random = new Random(31 + seed);
        int skipped = 0, viewHits = 0;
        for (var round = 0; round < 30; round++)
        {
            var text = Text(random);
            var general = redactor.Find(text, filterEscapes: false) ?? [];
            var filtered = redactor.Find(text, filterEscapes: true) ?? [];

            // A hit two views both find is listed twice; masking merges such hits, so the sets are what must agree.
            Assert.Equal(general.ToHashSet(), filtered.ToHashSet());

            viewHits += general.Count(h => text.AsSpan(h.Start, h.End - h.Start).ContainsAny('%', '&', '\\'));
            for (var d = 0; d < 3; d++)
            {
                skipped += DecodedLength(text, d, filter) < DecodedLength(text, d, EscapeFilter.None) ? 1 : 0;
            }
        }

        // The comparison means something only if the filter left windows out and the views found escaped values.
        Assert.True(skipped >= 30, $"the filter left windows out of only {skipped} views");
        Assert.True(viewHits >= 100, $"only {viewHits} hits held an escape");
    }

    /// <summary>
    /// Random texts whose values end in a nested escape of their last character (an entity or a percent escape) whose
    /// inner characters, which no form holds, are escaped once more in any of the three syntaxes, beside lines that
    /// decode to the triggers that have the views decoded again: the filtered views must find every such value.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Values_written_as_escapes_of_escaped_characters_are_found_with_the_filter(int seed)
    {
        // A value with the nested escapes of its last character ('z') whose inner characters no form of it holds.
        (string Value, string[] Nested)[] values = [("modtomz", ["%{7a}", "&#x{7a};"])];
        var options = new RedactionOptions();
        foreach (var (value, nested) in values)
        {
            foreach (var escape in nested)
            {
                var inner = escape[(escape.IndexOf('{') + 1)..escape.IndexOf('}')];
                Assert.DoesNotContain(SecretForms.Registered(value, options), f => f.Text.AsSpan().ContainsAny(inner));
            }
        }

        var redactor = new SecretRedactor(options);
        redactor.AddRange(values.Select(v => new RedactionValue(v.Value)));
        string[] triggers = ["\\u0026 \\u0025", "%26 %25", "&#38; &#37;", "\\x26\\x25", "&amp;#37;"];
        string[] idle = ["\\\"", "%20", "&#39;", "\\t", "+", "word"];
        var random = new Random(97 + seed);
        int planted = 0, found = 0;
        for (var round = 0; round < 40; round++)
        {
            // Every view of the text decodes to '&' and '%' somewhere, so each is decoded again for entities and percent escapes.
            var text = new StringBuilder("opened ").AppendJoin(' ', triggers.OrderBy(_ => random.Next())).Append('\n');
            var valuesPlanted = new List<(int Start, int End)>();
            for (var line = 0; line < 6; line++)
            {
                var (value, nested) = values[random.Next(values.Length)];
                var escape = nested[random.Next(nested.Length)];
                var open = escape.IndexOf('{');
                var close = escape.IndexOf('}');
                var syntax = random.Next(3);
                var inner = string.Concat(escape[(open + 1)..close].Select(c => syntax switch
                {
                    0 => $"\\u00{(int)c:x2}",
                    1 => $"%{(int)c:X2}",
                    _ => $"&#{(int)c};",
                }));
                text.Append(random.Next(2) == 0 ? idle[random.Next(idle.Length)] : "").Append("key=");
                var start = text.Length;
                text.Append(value[..^1]).Append(escape[..open]).Append(inner).Append(escape[(close + 1)..]);
                valuesPlanted.Add((start, text.Length));
                text.Append(random.Next(2) == 0 ? idle[random.Next(idle.Length)] : " ").Append(" end\n");
            }

            var s = text.ToString();
            var general = redactor.Find(s, filterEscapes: false) ?? [];
            var filtered = redactor.Find(s, filterEscapes: true) ?? [];
            Assert.Equal(general.ToHashSet(), filtered.ToHashSet());
            planted += valuesPlanted.Count;
            found += valuesPlanted.Count(p => filtered.Any(h => h.Start <= p.Start && h.End >= p.End));
        }

        Assert.Equal(planted, found);
    }

    /// <summary>
    /// Short values (whole tokens only) between escapes and characters no form holds. A value is a whole token in the
    /// source or in a decoder's view when neither neighbour there is a letter or digit: <c>%22123%22</c> only in the
    /// percent view, where 123 holds no decoded character. Filtered and unfiltered views agree, and exactly the values
    /// that are whole tokens somewhere are found.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Short_values_between_escapes_are_found_exactly_where_they_stand_as_whole_tokens(int seed)
    {
        string[] values = ["123", "ab7", "Zq"];
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));

        // Each neighbour with the decoder that decodes it (0 none, 1 percent, 2 entity, 3 backslash) and what it decodes to.
        (string Text, int Decoder, char Decoded)[] around =
        [
            ("%22", 1, '"'), ("%20", 1, ' '), ("%2F", 1, '/'), ("%41", 1, 'A'), ("\\u0022", 3, '"'), ("\\x2c", 3, ','),
            ("\\\"", 3, '"'), ("\\u0062", 3, 'b'), ("&#34;", 2, '"'), ("&quot;", 2, '"'), ("&#x39;", 2, '9'), ("+", 0, '+'),
            (" ", 0, ' '), ("x", 0, 'x'),
        ];
        var random = new Random(61 + seed);
        int viewOnly = 0, found = 0;
        for (var round = 0; round < 40; round++)
        {
            var text = new StringBuilder();
            var planted = new List<(int Start, int End, bool Token, bool InSource)>();
            for (var part = 0; part < 12; part++)
            {
                var before = around[random.Next(around.Length)];
                var after = around[random.Next(around.Length)];
                bool Boundary(int decoder) =>
                    !char.IsLetterOrDigit(before.Decoder == decoder ? before.Decoded : before.Text[^1]) &&
                    !char.IsLetterOrDigit(after.Decoder == decoder ? after.Decoded : after.Text[0]);
                text.Append(before.Text);
                var start = text.Length;
                text.Append(values[random.Next(values.Length)]);
                planted.Add((start, text.Length, Enumerable.Range(0, 4).Any(Boundary), Boundary(0)));
                text.Append(after.Text).Append(random.Next(3) == 0 ? "\n" : " ");
            }

            var s = text.ToString();
            var general = redactor.Find(s, filterEscapes: false) ?? [];
            var filtered = redactor.Find(s, filterEscapes: true) ?? [];
            Assert.Equal(general.ToHashSet(), filtered.ToHashSet());
            foreach (var (start, end, token, inSource) in planted)
            {
                var hit = filtered.Any(h => h.Start <= start && h.End >= end);
                Assert.True(hit == token, $"{s[start..end]} at {start} of \"{s}\": a whole token {token}, found {hit}");
                viewOnly += token && !inSource ? 1 : 0;
                found += hit ? 1 : 0;
            }
        }

        Assert.True(viewOnly >= 50, $"only {viewOnly} values stood as whole tokens in a view alone");
        Assert.True(found >= 100, $"only {found} values were found");
    }

    private static SecretRedactor Redactor()
    {
        var redactor = new SecretRedactor();
        redactor.AddRange(Values.Select(v => new RedactionValue(v)));
        return redactor;
    }

    private static int DecodedLength(string text, int decoder, EscapeFilter filter)
    {
        var view = new DecodedView(text.Length + 16);
        try
        {
            TextDecoder.All[decoder].Decode(text, 3000, filter, ref view);
            return view.Length;
        }
        finally
        {
            view.Return();
        }
    }

    /// <summary>
    /// Lines, some longer than a window, of words, values plain and escaped once or twice in each decoder's syntax, and
    /// escapes of characters no form holds (quotes, spaces, line breaks, '!', '&lt;'), often right next to a value.
    /// </summary>
    private static string Text(Random random)
    {
        string[] idle = ["\\\"", "\\n", "\\t", "%20", "+", "%21", "&#39;", "&lt;", "&quot;", "\\u0022", "%22", "&#x20;"];
        var builder = new StringBuilder();
        for (var line = 0; line < 8; line++)
        {
            var parts = random.Next(3) == 0 ? 120 : random.Next(1, 14);
            for (var part = 0; part < parts; part++)
            {
                var value = Values[random.Next(Values.Count)];
                var piece = random.Next(9) switch
                {
                    0 => JsonSerializer.Serialize(value)[1..^1],
                    1 => JsonSerializer.Serialize(JsonSerializer.Serialize(value))[1..^1],
                    2 => WebUtility.UrlEncode(value),
                    3 => WebUtility.UrlEncode(WebUtility.UrlEncode(value)),
                    4 => WebUtility.HtmlEncode(value),
                    5 => WebUtility.HtmlEncode(WebUtility.HtmlEncode(value)),
                    6 => value,
                    _ => "word" + random.Next(100),
                };
                if (random.Next(2) == 0)
                {
                    builder.Append(idle[random.Next(idle.Length)]);
                }

                builder.Append(piece);
                if (random.Next(2) == 0)
                {
                    builder.Append(idle[random.Next(idle.Length)]);
                }

                builder.Append(random.Next(3) == 0 ? "" : " ");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }
}
