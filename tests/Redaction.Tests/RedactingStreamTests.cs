using System.Text;

namespace Secrets.Runtime.Redaction.Tests;

public sealed class RedactingStreamTests
{
    [Fact]
    public void Bytes_split_anywhere_even_inside_a_multi_byte_character_are_masked()
    {
        const string text = "out: clé-🔑-secrète-42 done";
        var redactor = new SecretRedactor();
        redactor.Add("clé-🔑-secrète-42");
        var bytes = Encoding.UTF8.GetBytes(text);

        for (var split = 0; split <= bytes.Length; split++)
        {
            using var output = new MemoryStream();
            using (var stream = new RedactingStream(output, redactor, leaveOpen: true))
            {
                stream.Write(bytes, 0, split);
                stream.Write(bytes, split, bytes.Length - split);
            }

            Assert.Equal("out: *** done", Encoding.UTF8.GetString(output.ToArray()));
        }
    }

    [Fact]
    public void Escaped_values_that_straddle_a_64_KB_write_are_masked_in_each_search_path()
    {
        // One value in the plain text, in a JSON line after other escapes, in hex, and in a wrapped Base64 block (PEM), each
        // placed across the boundary between two 64 KB writes at several offsets.
        const string value = "sk_live_51Hx9QpZr2LmNoPq8VwXy";
        var redactor = new SecretRedactor();
        redactor.AddRange(Enumerable.Range(0, 200).Select(i => new RedactionValue($"sk_live_{i:0000}filler{i * 37 % 1000:000}xyz")).Append(new RedactionValue(value)));
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('q', 40) + value + new string('z', 40)));
        string[] forms =
        [
            value,
            "{\"a\":\"\\\"x\\\" \\/p caf\\u00e9\",\"k\":\"" + value.Replace("_", "\\u005f", StringComparison.Ordinal) + "\",\"b\":\"\\/q\"}",
            Convert.ToHexString(Encoding.UTF8.GetBytes(value)),
            "-----BEGIN X-----\n" + string.Join('\n', base64.Chunk(64).Select(c => new string(c))) + "\n-----END X-----",
        ];

        foreach (var form in forms)
        {
            foreach (var shift in new[] { -40, -17, -3, 0, 5 })
            {
                var before = new string('a', (64 * 1024) - (form.Length / 2) + shift - 1) + "\n";
                var text = before + form + "\ntail\n";
                var bytes = Encoding.UTF8.GetBytes(text);
                using var output = new MemoryStream();
                using (var stream = new RedactingStream(output, redactor, leaveOpen: true))
                {
                    for (var at = 0; at < bytes.Length; at += 64 * 1024)
                    {
                        stream.Write(bytes, at, Math.Min(64 * 1024, bytes.Length - at));
                    }
                }

                var masked = Encoding.UTF8.GetString(output.ToArray());
                Assert.Equal(redactor.Redact(text), masked);
                Assert.StartsWith(before, masked, StringComparison.Ordinal);
                Assert.EndsWith("\ntail\n", masked, StringComparison.Ordinal);
                Assert.Contains("***", masked, StringComparison.Ordinal);
                Assert.DoesNotContain("51Hx9QpZr2", masked, StringComparison.Ordinal);
            }
        }
    }
}
