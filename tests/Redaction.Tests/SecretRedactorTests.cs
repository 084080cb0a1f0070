using System.Net;
using System.Text;
using System.Text.Json;

namespace Secrets.Runtime.Redaction.Tests;

public sealed class SecretRedactorTests
{
    private const string Secret = "p@ss w0rd/\"quoted\"&<tag>+=ü";

    private static SecretRedactor With(params string[] values)
    {
        var redactor = new SecretRedactor();
        foreach (var value in values)
        {
            redactor.Add(value);
        }

        return redactor;
    }

    public static TheoryData<string> EncodedForms() =>
    [
        Secret,
        JsonSerializer.Serialize(Secret),
        JsonSerializer.Serialize(Secret, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
        Uri.EscapeDataString(Secret),
        Uri.EscapeDataString(Secret).ToLowerInvariant(),
        WebUtility.UrlEncode(Secret),
        WebUtility.HtmlEncode(Secret),
        System.Security.SecurityElement.Escape(Secret)!,
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)),
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)).TrimEnd('='),
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)).Replace('+', '-').Replace('/', '_'),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + Secret)),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("ab" + Secret + "\n")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("a" + Secret + "xyz")),
        Secret.Replace("\"", "\\\"", StringComparison.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(EncodedForms))]
    public void Every_common_encoding_of_a_value_is_masked(string form)
    {
        var text = $"before {form} after";

        var masked = With(Secret).Redact(text);

        Assert.DoesNotContain(Secret, masked, StringComparison.Ordinal);
        Assert.StartsWith("before ", masked, StringComparison.Ordinal);
        Assert.Contains("***", masked, StringComparison.Ordinal);
        Assert.True(masked.Length < text.Length - 5, masked);
    }

    [Theory]
    [InlineData("user:")]
    [InlineData("ab")]
    [InlineData("a")]
    public void Base64_with_a_prefix_is_masked_through_its_last_character(string prefix)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + Secret));

        var masked = With(Secret).Redact("Basic " + encoded);

        Assert.EndsWith("***", masked, StringComparison.Ordinal);
        Assert.True(masked.Length <= "Basic ".Length + ((prefix.Length + 2) * 4 / 3) + 3, masked);
    }

    [Fact]
    public void Text_without_a_hit_is_returned_as_the_same_instance()
    {
        var text = "nothing to see here, just a log line of moderate length";

        Assert.Same(text, With("sk-live-123456").Redact(text));
    }

    [Fact]
    public void Overlapping_nested_and_adjacent_values_are_masked_whole()
    {
        var redactor = With("abcdef123", "def123xyz", "abcdef123456", "ZZZZ9999");

        Assert.Equal("[***]", redactor.Redact("[abcdef123xyz]"));
        Assert.Equal("[***]", redactor.Redact("[abcdef123456]"));
        Assert.Equal("<***>", redactor.Redact("<abcdef123ZZZZ9999>"));
    }

    [Fact]
    public void Masking_twice_gives_the_same_text_as_masking_once()
    {
        var redactor = With("token-abc-123");
        var once = redactor.Redact("a token-abc-123 b");

        Assert.Equal(once, redactor.Redact(once));
    }

    [Fact]
    public void A_short_value_is_masked_only_as_a_whole_token()
    {
        var redactor = With("x", "42");

        Assert.Equal("pin=*** and code ***", redactor.Redact("pin=42 and code x"));
        Assert.Equal("example 1425 xylophone", redactor.Redact("example 1425 xylophone"));
    }

    [Fact]
    public void Lines_of_a_multi_line_value_are_masked_but_short_lines_cause_no_collateral()
    {
        var json = "{\n  \"private_key\": \"MIIEvQIBADANBgkq\",\n  \"client\": \"svc@proj.iam\"\n}";
        var redactor = With(json);

        var masked = redactor.Redact("line: \"client\": \"svc@proj.iam\" and { braces } stay");

        Assert.DoesNotContain("svc@proj.iam", masked, StringComparison.Ordinal);
        Assert.Contains("{ braces } stay", masked, StringComparison.Ordinal);
        Assert.Equal("***", redactor.Redact(json.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void Trimmed_and_unquoted_forms_are_masked()
    {
        var redactor = With("  'quoted-secret-value'  ");

        Assert.Equal("v=***", redactor.Redact("v=quoted-secret-value"));
    }

    [Fact]
    public void Empty_and_whitespace_values_are_ignored()
    {
        var redactor = With("", "   ", "\n");

        Assert.Equal(0, redactor.Count);
        Assert.Equal("a b", redactor.Redact("a b"));
    }

    [Fact]
    public void The_name_option_shows_which_secret_was_masked()
    {
        var redactor = new SecretRedactor(new RedactionOptions { ShowSecretName = true });
        redactor.Add("sk_live_abcdef", "STRIPE_KEY");

        Assert.Equal("key=[secret:STRIPE_KEY]", redactor.Redact("key=sk_live_abcdef"));
    }

    [Fact]
    public void Unicode_values_with_surrogate_pairs_are_masked()
    {
        var redactor = With("🔑clé-secrète-😀");

        Assert.Equal("x *** y", redactor.Redact("x 🔑clé-secrète-😀 y"));
    }

    [Fact]
    public void Values_sharing_a_long_prefix_are_each_masked_at_every_offset_and_the_prefix_alone_is_not()
    {
        // Hundreds of forms share their first grams (sk_live_, postgres://); a short value among them is sampled
        // near its end, where only one gram of it is left after the sampled position.
        var values = Enumerable.Range(0, 300).Select(i => $"sk_live_{i:0000}abcdefghijklmnop").Append("tiny-key-123").ToArray();
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));

        foreach (var value in new[] { values[0], values[150], values[^2], values[^1] })
        {
            for (var pad = 0; pad < 24; pad++)
            {
                var text = new string('.', pad) + value + " tail";
                Assert.Equal(new string('.', pad) + "*** tail", redactor.Redact(text));
            }
        }

        Assert.Equal("sk_live_0000abcdefghijklmno", redactor.Redact("sk_live_0000abcdefghijklmno"));
        Assert.Equal("tiny-key-12", redactor.Redact("tiny-key-12"));
    }

    [Fact]
    public void Values_sharing_a_prefix_and_a_suffix_are_told_apart_by_their_middle_in_every_form()
    {
        // A chain of the index holds every form that shares the sampled characters; each candidate is checked by a gram
        // from the middle of its form, which here is the only part that differs (in the value, its hex and its Base64).
        var values = Enumerable.Range(0, 300).Select(i => $"postgres://app:{i:x4}k{i * 7919 % 10000:0000}@db.internal:5432/orders").ToArray();
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));

        foreach (var value in new[] { values[0], values[137], values[^1] })
        {
            foreach (var form in new[] { value, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value)), Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) })
            {
                for (var pad = 0; pad < 16; pad++)
                {
                    var text = new string('.', pad) + form;
                    Assert.Equal(new string('.', pad) + "***", redactor.Redact(text).TrimEnd('='));
                    Assert.Equal(new string('.', pad) + "*** tail", redactor.Redact(text + " tail"));
                }
            }
        }

        // One character off in the middle, where no registered value has it: no form of it is masked.
        var nearMiss = values[137].Replace("0089k", "0089q", StringComparison.Ordinal);
        Assert.NotEqual(values[137], nearMiss);
        foreach (var form in new[] { nearMiss, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(nearMiss)), Convert.ToBase64String(Encoding.UTF8.GetBytes(nearMiss)) })
        {
            Assert.Equal("x " + form + " y", redactor.Redact("x " + form + " y"));
        }
    }

    [Fact]
    public async Task Values_added_one_by_one_to_a_large_redactor_are_masked_at_once_and_after_every_merge()
    {
        // 1,000 in one batch, then 1,500 one by one: the recent tier fills and merges into the middle one many
        // times, and the middle one into the main one several times; a released value goes with its merge.
        var redactor = new SecretRedactor();
        redactor.AddRange(Enumerable.Range(0, 1000).Select(i => new RedactionValue($"batch-secret-{i:00000}")));
        for (var i = 0; i < 1500; i++)
        {
            redactor.Add($"single-secret-{i:00000}");
            Assert.Equal("a *** b", redactor.Redact($"a single-secret-{i:00000} b"));
            if (i % 100 == 0)
            {
                Assert.Equal("a *** b", redactor.Redact($"a batch-secret-{i % 1000:00000} b"));
            }
        }

        redactor.Remove("single-secret-00007");
        await redactor.WhenMergedAsync();

        Assert.Equal(2499, redactor.Count);
        Assert.Equal("single-secret-00007", redactor.Redact("single-secret-00007"));
        foreach (var i in new[] { 0, 8, 255, 256, 999, 1499 })
        {
            Assert.Equal("***", redactor.Redact($"single-secret-{i:00000}"));
        }

        Assert.Equal("***", redactor.Redact("batch-secret-00999"));
        Assert.InRange(redactor.Indexed, 2499, 2500);
    }

    [Fact]
    public async Task Values_added_from_several_threads_while_merges_run_are_each_masked_once_their_add_returns()
    {
        // Merges build the next recent tier outside the lock and add to it, under the lock, the values added meanwhile:
        // four threads adding at once keep adding during every merge, and a value lost or indexed twice would show here.
        var redactor = new SecretRedactor();
        redactor.AddRange(Enumerable.Range(0, 2000).Select(i => new RedactionValue($"batch-secret-{i:00000}")));
        var adders = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 400; i++)
            {
                var value = $"thread-{t}-secret-{i:00000}";
                redactor.Add(value);
                Assert.Equal("a *** b", redactor.Redact($"a {value} b"));
            }
        })).ToArray();
        await Task.WhenAll(adders);
        await redactor.WhenMergedAsync();

        Assert.Equal(3600, redactor.Count);
        Assert.Equal(3600, redactor.Indexed);
        for (var t = 0; t < 4; t++)
        {
            for (var i = 0; i < 400; i++)
            {
                Assert.Equal("***", redactor.Redact($"thread-{t}-secret-{i:00000}"));
            }
        }
    }

    [Fact]
    public void A_multi_line_text_with_a_wrapped_block_and_no_hit_comes_back_without_allocating()
    {
        var redactor = new SecretRedactor();
        redactor.AddRange(Enumerable.Range(0, 50).Select(i => new RedactionValue($"no-such-secret-{i:000}-value")));
        var certificate = Convert.ToBase64String(Enumerable.Range(0, 900).Select(i => (byte)(i * 7)).ToArray());
        var text = "GET /a?q=caf%C3%A9 &amp; {\"k\":\"\\u00e9\"}\n-----BEGIN CERTIFICATE-----\n"
            + string.Join('\n', certificate.Chunk(64).Select(c => new string(c))) + "\n-----END CERTIFICATE-----\n";
        for (var i = 0; i < 20; i++)
        {
            Assert.Same(text, redactor.Redact(text));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = redactor.Redact(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(text, result);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Removing_a_value_stops_masking_it()
    {
        var redactor = With("old-value-123", "new-value-456");
        redactor.Remove("old-value-123");

        Assert.Equal("old-value-123 ***", redactor.Redact("old-value-123 new-value-456"));
    }

    [Fact]
    public async Task Adding_values_while_other_threads_redact_never_blocks_or_misses_a_registered_value()
    {
        var redactor = With("first-secret-000");
        var adds = Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                redactor.Add($"added-secret-{i:000}");
            }
        });
        var reads = Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                Assert.Equal("a *** b", redactor.Redact("a first-secret-000 b"));
            }
        });
        await Task.WhenAll(adds, reads);

        Assert.Equal(201, redactor.Count);
        Assert.Equal("***", redactor.Redact("added-secret-199"));
    }

    [Fact]
    public void A_redacted_exception_copy_masks_message_inner_aggregate_data_and_stack()
    {
        var redactor = With("db-password-123");
        Exception original;
        try
        {
            throw new InvalidOperationException("login failed for db-password-123", new AggregateException(new ArgumentException("bad db-password-123"), new FormatException("also db-password-123")));
        }
        catch (InvalidOperationException ex)
        {
            ex.Data["password"] = "db-password-123";
            original = ex;
        }

        var copy = redactor.RedactException(original);

        Assert.Equal("System.InvalidOperationException", copy.OriginalType);
        Assert.DoesNotContain("db-password-123", copy.ToString(), StringComparison.Ordinal);
        Assert.Equal("***", copy.Data["password"]);
        Assert.Equal(2, copy.InnerExceptions[0].InnerExceptions.Count);
        Assert.Contains("SecretRedactorTests", copy.StackTrace, StringComparison.Ordinal);
    }
}
