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
    [Fact]
    public void The_output_is_byte_for_byte_what_a_stream_writer_behind_the_text_writer_writes_after_every_flush()
    {
        // The general path the stream used to take: decode, mask in a RedactingTextWriter, encode in a StreamWriter.
        var values = Enumerable.Range(0, 40).Select(i => $"val-{i:00}-é🔑ü-{i * 7919 % 10007:00000}").ToList();
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        var random = new Random(14);
        for (var round = 0; round < 12; round++)
        {
            var bytes = RandomUtf8(random, values, 150_000 + random.Next(100_000));
            using var fast = new MemoryStream();
            using var general = new MemoryStream();
            var decoder = new UTF8Encoding(false, false).GetDecoder();
            using (var stream = new RedactingStream(fast, redactor, leaveOpen: true))
            using (var writer = new RedactingTextWriter(new StreamWriter(general, new UTF8Encoding(false), 64 * 1024, leaveOpen: true), redactor))
            {
                for (var at = 0; at < bytes.Length;)
                {
                    var count = Math.Min(bytes.Length - at, random.Next(4) == 0 ? random.Next(1, 8) : random.Next(1, 90_000));
                    var piece = bytes.AsSpan(at, count);
                    stream.Write(piece);
                    var chars = new char[decoder.GetCharCount(piece, flush: false)];
                    writer.Write(chars, 0, decoder.GetChars(piece, chars, flush: false));
                    at += count;
                    if (random.Next(5) == 0)
                    {
                        stream.Flush();
                        writer.Flush();
                        Assert.Equal(general.ToArray(), fast.ToArray());
                    }
                }

                var tail = new char[decoder.GetCharCount([], flush: true)];
                writer.Write(tail, 0, decoder.GetChars([], tail, flush: true));
            }

            Assert.Equal(general.ToArray(), fast.ToArray());
            Assert.Contains("***", Encoding.UTF8.GetString(fast.ToArray()), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_utf8_output_encodes_as_a_stream_writer_does_with_pairs_split_across_writes_and_lone_surrogates_at_a_flush()
    {
        var random = new Random(41);
        char[] alphabet = ['a', 'z', ' ', '\n', 'é', 'ß', '€', '\uD83D', '\uDD11', '\uD800', '\uDFFF', '\uFFFF', '\u0000'];
        for (var round = 0; round < 40; round++)
        {
            var text = new string(Enumerable.Range(0, random.Next(1, 200_000)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            using var fast = new MemoryStream();
            using var general = new MemoryStream();
            using (var output = new RedactingStream.Utf8Output(fast))
            using (var writer = new StreamWriter(general, new UTF8Encoding(false), 64 * 1024, leaveOpen: true))
            {
                for (var at = 0; at < text.Length;)
                {
                    var count = Math.Min(text.Length - at, random.Next(3) == 0 ? random.Next(1, 3) : random.Next(1, 70_000));
                    output.Write(text.AsSpan(at, count));
                    writer.Write(text.AsSpan(at, count));
                    at += count;
                    if (random.Next(6) == 0)
                    {
                        output.Flush();
                        writer.Flush();
                        Assert.Equal(general.ToArray(), fast.ToArray());
                    }
                }
            }

            Assert.Equal(general.ToArray(), fast.ToArray());
            Assert.True(fast.CanWrite, "the inner stream stays open");
        }
    }

    [Fact]
    public void Flush_writes_everything_masked_so_far_and_flushes_the_inner_stream_and_dispose_closes_it_unless_left_open()
    {
        var redactor = new SecretRedactor();
        redactor.Add("sk-live-AbCdEf123456");
        var inner = new FlushCountingStream();
        var stream = new RedactingStream(inner, redactor);
        stream.Write(Encoding.UTF8.GetBytes("one sk-live-AbCdEf123456 two "));
        stream.Write(Encoding.UTF8.GetBytes("🔑").AsSpan(0, 2));
        Assert.Empty(inner.ToArray());

        stream.Flush();
        Assert.Equal("one *** two ", Encoding.UTF8.GetString(inner.ToArray()));
        Assert.True(inner.Flushes > 0);

        stream.Write(Encoding.UTF8.GetBytes("🔑").AsSpan(2));
        stream.Dispose();
        Assert.Equal("one *** two 🔑", Encoding.UTF8.GetString(inner.ToArray()));
        Assert.True(inner.Disposed);

        var kept = new FlushCountingStream();
        using (var open = new RedactingStream(kept, redactor, leaveOpen: true))
        {
            open.Write("x"u8);
        }

        Assert.False(kept.Disposed);
        Assert.Equal("x", Encoding.UTF8.GetString(kept.ToArray()));
    }

    [Fact]
    public void Characters_split_or_invalid_around_ascii_runs_decode_as_the_utf8_decoder_does_at_every_pair_of_cuts()
    {
        // Truncated and invalid sequences right before ASCII, a four-byte character, a lone lead byte at the end: the
        // stream widens ASCII itself and must give what decoding the whole buffer at once gives, wherever writes cut it.
        byte[] bytes =
        [
            .. "ab"u8, 0xE2, 0x82, .. "c"u8, 0xF0, 0x9F, 0x94, 0x91, .. "de"u8, 0xFF, 0x80, .. "f"u8, 0xC3, 0xA9,
            .. Encoding.ASCII.GetBytes(new string('x', 40)), 0xE2, 0x82, 0xAC, .. "g"u8, 0xF0, 0x9F,
        ];
        var expected = Encoding.UTF8.GetBytes(new UTF8Encoding(false, false).GetString(bytes));
        var redactor = new SecretRedactor();
        redactor.Add("not-in-this-text-42");

        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                using var output = new MemoryStream();
                using (var stream = new RedactingStream(output, redactor, leaveOpen: true))
                {
                    stream.Write(bytes.AsSpan(0, first));
                    stream.Write(bytes.AsSpan(first, second - first));
                    stream.Write(bytes.AsSpan(second));
                }

                Assert.Equal(expected, output.ToArray());
            }
        }
    }

    [Fact]
    public void Widening_copies_exactly_the_leading_ascii_bytes_at_every_length_and_position()
    {
        var random = new Random(7);
        for (var length = 0; length < 140; length++)
        {
            for (var round = 0; round < 20; round++)
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                for (var i = 0; i < length; i++)
                {
                    bytes[i] &= 0x7F;
                }

                var stop = random.Next(length + 1);
                if (stop < length)
                {
                    bytes[stop] = (byte)random.Next(0x80, 0x100);
                }

                var chars = new char[length + 3];
                Array.Fill(chars, '#');
                var count = RedactingStream.WidenAscii(bytes, chars);

                Assert.Equal(stop, count);
                Assert.Equal(Encoding.ASCII.GetString(bytes, 0, stop), new string(chars, 0, stop));
                Assert.All(chars[stop..], c => Assert.Equal('#', c));
            }
        }
    }

    private static byte[] RandomUtf8(Random random, List<string> values, int length)
    {
        string[] pieces = ["a", "Z", "0", " ", "\n", "é", "ü", "€", "🔑", "\"", "%41", "&amp;", "\\u0041"];
        var bytes = new List<byte>(length + 64);
        while (bytes.Count < length)
        {
            switch (random.Next(40))
            {
                case 0:
                    bytes.AddRange(Encoding.UTF8.GetBytes(values[random.Next(values.Count)]));
                    break;
                case 1:
                    // Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, an invalid lead.
                    bytes.AddRange(random.Next(3) switch { 0 => [0x80], 1 => [0xE2, 0x82], _ => [0xFF] });
                    break;
                default:
                    bytes.AddRange(Encoding.UTF8.GetBytes(pieces[random.Next(pieces.Length)]));
                    break;
            }
        }

        return [.. bytes];
    }

    private sealed class FlushCountingStream : MemoryStream
    {
        public int Flushes { get; private set; }

        public bool Disposed { get; private set; }

        public override void Flush()
        {
            Flushes++;
            base.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
