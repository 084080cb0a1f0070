using System.Text;
using Secrets.Runtime.Redaction.Tests.Corpus;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>Each family of forms that ordinary tools produce is masked, and near misses in the same family are not.</summary>
public sealed class FormFamilyTests
{
    private static readonly string[] Values =
    [
        "p@ss w0rd/\"quoted\"&<tag>+=ü'é_x",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "Zq9-té'st\\path$HOME`x`",
    ];

    public static TheoryData<string, string> FamilyForms()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in ToolForms.Families)
        {
            foreach (var value in Values)
            {
                foreach (var form in ToolForms.Of(value, family).Distinct(StringComparer.Ordinal).Where(f => f != value))
                {
                    data.Add(family, form);
                }
            }
        }

        return data;
    }

    private static SecretRedactor Registered()
    {
        var redactor = new SecretRedactor();
        redactor.AddRange(Values.Select(v => new RedactionValue(v)));
        return redactor;
    }

    [Theory]
    [MemberData(nameof(FamilyForms))]
    public void Every_form_a_tool_produces_is_masked(string family, string form)
    {
        var text = $"before {form} after";
        var quote = form[0] is '\'' or '"' && form[^1] == form[0] ? form[0].ToString() : string.Empty;

        var masked = Registered().Redact(text);

        Assert.StartsWith("before ", masked, StringComparison.Ordinal);
        Assert.EndsWith(" after", masked, StringComparison.Ordinal);
        if (family is "base64" or "utf16le-base64")
        {
            // Base64 of a value inside a larger buffer: no 12 characters that encode only the value may stay.
            var flat = masked.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
            foreach (var value in Values)
            {
                foreach (var core in Base64Cores(family == "base64" ? Encoding.UTF8.GetBytes(value) : Encoding.Unicode.GetBytes(value)))
                {
                    for (var i = 0; i + 12 <= core.Length; i++)
                    {
                        Assert.DoesNotContain(core.Substring(i, 12), flat, StringComparison.Ordinal);
                    }
                }
            }

            Assert.Contains("***", masked, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal($"before {quote}***{quote} after", masked);
        }
    }

    [Theory]
    [InlineData("percent")]
    [InlineData("json")]
    [InlineData("entities")]
    [InlineData("base64")]
    [InlineData("utf16le-base64")]
    [InlineData("hex")]
    [InlineData("quoting")]
    [InlineData("normalisation")]
    [InlineData("case")]
    public void A_value_one_character_away_stays_unmasked_in_every_form_of_the_family(string family)
    {
        var redactor = Registered();
        foreach (var value in Values)
        {
            var middle = value.Length / 2;
            var near = value[..middle] + (value[middle] == 'q' ? 'r' : 'q') + value[(middle + 1)..];
            foreach (var form in ToolForms.Of(near, family))
            {
                var text = $"before {form} after";
                Assert.Same(text, redactor.Redact(text));
            }
        }
    }

    [Fact]
    public void Percent_decoding_of_unrelated_text_masks_nothing_and_a_lone_percent_is_kept()
    {
        var redactor = Registered();
        const string text = "100% done, 50%off, %zz, %e9t%C3, a+b=c, q=sk%5Flive%5F4eC39HqLyjWDarjtT1zdp7dX";

        Assert.Same(text, redactor.Redact(text));
    }

    [Fact]
    public void A_short_value_is_still_masked_only_as_a_whole_token_in_a_decoded_view()
    {
        var redactor = new SecretRedactor();
        redactor.Add("a&b");

        Assert.Equal("x=*** y", redactor.Redact("x=a%26b y"));
        Assert.Equal("x=ca%26bc y", redactor.Redact("x=ca%26bc y"));
        Assert.Equal("v=*** w", redactor.Redact("v=a&amp;b w"));
    }

    /// <summary>
    /// Decoded, <c>%22123%22</c> is <c>"123"</c>, where 123 stands as a whole token; in the source a hex digit stands before
    /// it, so only the view finds it, though it holds no decoded character.
    /// </summary>
    [Fact]
    public void A_short_value_after_an_escaped_boundary_is_masked_as_the_whole_token_it_is_decoded()
    {
        var redactor = new SecretRedactor();
        redactor.Add("123");

        Assert.Equal("q=%7B%22pin%22%3A%22***%22%7D", redactor.Redact("q=%7B%22pin%22%3A%22123%22%7D"));
        Assert.Equal("a=%20***%20b", redactor.Redact("a=%20123%20b"));
        Assert.Equal("x \\u0022***\\u0022 y", redactor.Redact("x \\u0022123\\u0022 y"));
        Assert.Equal("x=\\x2F***", redactor.Redact("x=\\x2F123"));
        Assert.Equal("id=%41123 x=%2F1234 y=%22123x z=%2F0123", redactor.Redact("id=%41123 x=%2F1234 y=%22123x z=%2F0123"));
    }

    [Fact]
    public void Case_is_ignored_only_from_the_length_floor_and_never_in_Base64()
    {
        var redactor = new SecretRedactor();
        redactor.Add("Abcdefgh123");
        redactor.Add("Long-Secret-Value-42");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("Long-Secret-Value-42"));

        Assert.Equal("ABCDEFGH123", redactor.Redact("ABCDEFGH123"));
        Assert.Equal("*** ***", redactor.Redact("LONG-SECRET-VALUE-42 long-secret-value-42"));
        Assert.Equal(base64.ToLowerInvariant(), redactor.Redact(base64.ToLowerInvariant()));
    }

    [Fact]
    public void A_JSON_document_escaped_inside_a_JSON_string_is_masked_and_a_third_level_too()
    {
        var redactor = Registered();
        var once = System.Text.Json.JsonSerializer.Serialize(new { password = Values[0] });
        var twice = System.Text.Json.JsonSerializer.Serialize(new { body = once });
        var thrice = System.Text.Json.JsonSerializer.Serialize(new { wrapped = twice });

        Assert.DoesNotContain("w0rd", redactor.Redact(twice), StringComparison.Ordinal);
        Assert.DoesNotContain("w0rd", redactor.Redact(thrice), StringComparison.Ordinal);
    }

    [Fact]
    public void Decoding_stops_at_the_configured_depth()
    {
        var once = new SecretRedactor(new RedactionOptions { MaximumDecodingDepth = 1 });
        var twice = new SecretRedactor(new RedactionOptions { MaximumDecodingDepth = 2 });
        once.Add("deep \"secret\" value");
        twice.Add("deep \"secret\" value");
        const string escapedOnce = """x deep \"secret\" value""";
        const string escapedTwice = """x deep \\\"secret\\\" value""";

        Assert.Equal("x ***", once.Redact(escapedOnce));
        Assert.Equal(escapedTwice, once.Redact(escapedTwice));
        Assert.Equal("x ***", twice.Redact(escapedTwice));
    }

    [Fact]
    public void A_decomposed_value_is_masked_and_a_different_accent_is_not()
    {
        var redactor = new SecretRedactor();
        redactor.Add("crème-brûlée-secret");

        Assert.Equal("x ***", redactor.Redact("x cre\u0300me-bru\u0302le\u0301e-secret"));
        Assert.Equal("x cre\u0301me-bru\u0302le\u0301e-secret", redactor.Redact("x cre\u0301me-bru\u0302le\u0301e-secret"));
    }

    [Theory]
    [InlineData("\u0141\u00F3d\u017A-G\u0119\u015Bl\u0105-Ja\u017A\u0144-\u017B\u00F3\u0142\u0107")]
    [InlineData("\u0400\u0453\u0454\u0455-\u0421\u0435\u043A\u0440\u0435\u0442-42")]
    [InlineData("\u0533\u0561\u0572\u057F\u0576\u056B-\u0532\u0561\u057C-42")]
    [InlineData("\U000104B0\U000104B1\U000104B2-osage-secret")]
    public void A_case_change_of_letters_whose_cases_differ_in_more_than_one_bit_is_masked(string value)
    {
        // Latin Extended-A pairs differ in the lowest bit, Cyrillic U+0400 and U+0450 by 0x50, Armenian by 0x30, and
        // Osage (beyond the BMP) in the low surrogate by 0x28: a gram folded by clearing one bit would miss them all.
        var redactor = new SecretRedactor();
        redactor.Add(value);
        var upper = $"x {value.ToUpperInvariant()} y";
        var lower = $"x {value.ToLowerInvariant()} y";

        Assert.NotEqual(upper, lower);
        Assert.Equal("x *** y", redactor.Redact(upper));
        Assert.Equal("x *** y", redactor.Redact(lower));
    }

    [Theory]
    [InlineData("\u0141\u00F3d\u017A-G\u0119\u015Bl\u0105-Ja\u017A\u0144-\u017B\u00F3\u0142\u0107", 3, '\u017B')]
    [InlineData("\u0400\u0453\u0454\u0455-\u0421\u0435\u043A\u0440\u0435\u0442-42", 2, '\u0457')]
    [InlineData("\U000104B0\U000104B1\U000104B2-osage-secret", 3, '\uDCDC')]
    public void Another_letter_in_another_case_is_not_masked(string value, int at, char other)
    {
        // One letter replaced by a different one (in the other case too): no case rule may equate them.
        var redactor = new SecretRedactor();
        redactor.Add(value);
        var near = value[..at] + other + value[(at + 1)..];

        foreach (var text in new[] { $"x {near} y", $"x {near.ToUpperInvariant()} y", $"x {near.ToLowerInvariant()} y" })
        {
            Assert.Same(text, redactor.Redact(text));
        }
    }

    [Fact]
    public void A_value_with_characters_beyond_the_BMP_is_masked_in_its_other_normal_form()
    {
        // Kaithi U+1109A and Chakma U+1112E compose from two supplementary characters; the CJK compatibility
        // ideograph U+2F800 is replaced by U+4E3D under both NFC and NFD.
        var redactor = new SecretRedactor();
        redactor.AddRange([new RedactionValue("key-\U0001109A\U0001112E-secret"), new RedactionValue("cjk-\U0002F800-compat-secret")]);

        Assert.Equal("x *** y", redactor.Redact("x key-\U00011099\U000110BA\U00011131\U00011127-secret y"));
        Assert.Equal("x *** y", redactor.Redact("x cjk-\u4E3D-compat-secret y"));
        Assert.Equal("x *** y", redactor.Redact("x key-\U0001109A\U0001112E-secret y"));
    }

    [Fact]
    public void Another_character_beyond_the_BMP_or_another_mark_is_not_masked_as_a_normal_form()
    {
        var redactor = new SecretRedactor();
        redactor.AddRange([new RedactionValue("key-\U0001109A\U0001112E-secret"), new RedactionValue("cjk-\U0002F800-compat-secret")]);
        string[] texts =
        [
            "x key-\U0001109C\U0001112E-secret y",
            "x key-\U0001109B\U000110BA\U00011131\U00011127-secret y",
            "x key-\U00011099\U000110B9\U00011131\U00011127-secret y",
            "x cjk-\u4E3C-compat-secret y",
            "x cjk-\U0002F801-compat-secret y",
        ];

        foreach (var text in texts)
        {
            Assert.Same(text, redactor.Redact(text));
        }
    }

    [Fact]
    public void Base64_lines_are_joined_only_when_every_line_is_Base64()
    {
        var redactor = new SecretRedactor();
        redactor.Add("wrapped-secret-value-0123456789-abcdefghij");
        var wrapped = ToolForms.Wrap(Convert.ToBase64String(Encoding.UTF8.GetBytes("wrapped-secret-value-0123456789-abcdefghij")), 16, "\n");
        var broken = wrapped.Insert(wrapped.IndexOf('\n', StringComparison.Ordinal) + 1, "not base64!\n");

        Assert.Equal("***", redactor.Redact(wrapped));
        Assert.Same(broken, redactor.Redact(broken));
    }

    [Fact]
    public void Inside_a_long_wrapped_block_every_value_is_masked_once_its_lines_are_searched_only_joined()
    {
        // A PEM block longer than the longest form, so its inside is searched only in the joined view: a value
        // standing inside one line, a value wrapped over a line break, and (when a multi-line value is registered,
        // which turns the skip off) a value whose own line break falls on the block's.
        const string inLine = "QUJDREVGR0hJSktMTU5PUFFSU1RV";
        const string wrapped = "c2VjcmV0LXdyYXBwZWQtb3Zlci1saW5lcy0wMTIzNDU2Nzg5";
        var body = new StringBuilder();
        var random = new Random(5);
        for (var i = 0; i < 40; i++)
        {
            body.Append(Convert.ToBase64String(GeneratedSecrets.RandomBytes(random, 48)));
        }

        var pem = body.ToString().Insert(700, inLine).Insert(1300, wrapped);
        var text = "-----BEGIN CERTIFICATE-----\n" + ToolForms.Wrap(pem, 64, "\n") + "\n-----END CERTIFICATE-----\n";
        var redactor = new SecretRedactor();
        redactor.AddRange([new RedactionValue(inLine), new RedactionValue(wrapped)]);

        var masked = redactor.Redact(text);
        Assert.DoesNotContain(inLine, masked.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(wrapped, masked.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(2, masked.Split("***").Length - 1);

        var lines = text.Split('\n');
        var multiLine = lines[30] + "\n" + lines[31];
        redactor.Add(multiLine);
        masked = redactor.Redact(text);
        Assert.DoesNotContain(lines[30], masked, StringComparison.Ordinal);
        Assert.DoesNotContain(lines[31], masked, StringComparison.Ordinal);
        Assert.Equal(3, masked.Split("***").Length - 1);
    }

    [Fact]
    public void A_hit_in_a_decoded_view_masks_exactly_the_source_range_it_came_from()
    {
        var redactor = new SecretRedactor();
        redactor.Add("café-secret");

        Assert.Equal("<p title=\"***\">caf&eacute;</p>", redactor.Redact("<p title=\"caf&#xE9;-secret\">caf&eacute;</p>"));
        Assert.Equal("GET /?a=1&k=***&b=2", redactor.Redact("GET /?a=1&k=caf%C3%A9-secret&b=2"));
        Assert.Equal("{\"k\":\"***\",\"n\":1}", redactor.Redact("{\"k\":\"caf\\u00e9-secret\",\"n\":1}"));
    }

    [Fact]
    public void Escaped_values_after_other_escapes_on_short_and_on_long_lines_are_masked()
    {
        // A decoder opens one window per line once a window reaches the line's end, and skips the line's other escapes
        // (its window decodes them); on a line longer than a window, a later escape still opens a window of its own.
        var redactor = new SecretRedactor();
        redactor.Add("café-secret");
        const string json = "caf\\u00e9-secret";
        var shortLine = "{\"a\":\"\\\"x\\\" \\/p\\/q caf\\u00e9\",\"k\":\"caf\\u00e9-secret\",\"b\":\"\\\"y\\\"\",\"k2\":\"caf\\u00e9-secret\"}";
        Assert.Equal(2, shortLine.Split(json).Length - 1);
        var filler = string.Concat(Enumerable.Repeat("word ", 3000));
        var longLine = "{\"k\":\"caf\\u00e9-secret\",\"f\":\"" + filler + "\",\"k2\":\"caf\\u00e9-secret\"}";
        Assert.True(longLine.Length > 12 * redactor.MaxPatternLength * 2);

        foreach (var line in new[] { shortLine, longLine })
        {
            var text = line + "\n" + line + "\nGET /?a=%2F&b=%22&k=caf%C3%A9-secret&c=%2F\n";
            var masked = redactor.Redact(text);
            Assert.Equal(5, masked.Split("***").Length - 1);
            Assert.Equal(text.Replace(json, "***", StringComparison.Ordinal).Replace("caf%C3%A9-secret", "***", StringComparison.Ordinal), masked);
        }
    }

    private static IEnumerable<string> Base64Cores(byte[] bytes)
    {
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + bytes.Length];
            bytes.CopyTo(padded, offset);
            var encoded = Convert.ToBase64String(padded);
            var skip = offset == 0 ? 0 : offset + 1;
            var end = (offset + bytes.Length) / 3 * 4;
            yield return encoded[skip..end];
            yield return encoded[skip..end].Replace('+', '-').Replace('/', '_');
        }
    }
}
