using System.Runtime.InteropServices;
using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction.Tests.Views;

/// <summary>
/// The scanner answers the decoders' and the Base64 joiner's searches for a line break or an escape from a 64-character
/// mask: every answer must be what <see cref="MemoryExtensions.IndexOfAny{T}(ReadOnlySpan{T}, T, T)"/> gives over the
/// same range, whatever order and bounds the searches come in, and each vector width must build the same mask.
/// </summary>
public sealed class CharScannerTests
{
    private static int Expected(string text, int from, int end, char first, char second)
    {
        if (from >= end)
        {
            return -1;
        }

        var found = text.AsSpan(from, end - from).IndexOfAny(first, second);
        return found < 0 ? -1 : from + found;
    }

    private static string RandomText(Random random, int length, double density, char first, char second)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            var roll = random.NextDouble();
            chars[i] = roll < density / 2 ? first : roll < density ? second : (char)random.Next('a', 'z' + 1);
        }

        return new string(chars);
    }

    [Theory]
    [InlineData('\n', '\n')]
    [InlineData('%', '+')]
    public void Searches_from_left_to_right_find_what_IndexOfAny_finds(char first, char second)
    {
        var random = new Random(41);
        foreach (var length in new[] { 0, 1, 63, 64, 65, 127, 128, 129, 200, 1000, 5000 })
        {
            foreach (var density in new[] { 0.0, 0.002, 0.02, 0.3 })
            {
                var text = RandomText(random, length, density, first, second);
                var scanner = new CharScanner(text, first, second);
                var found = new List<int>();
                for (var i = scanner.Next(0, text.Length); i >= 0; i = scanner.Next(i + 1, text.Length))
                {
                    found.Add(i);
                }

                var expected = Enumerable.Range(0, text.Length).Where(i => text[i] == first || text[i] == second).ToList();
                Assert.Equal(expected, found);
            }
        }
    }

    [Fact]
    public void Searches_that_jump_back_and_forth_with_bounds_find_what_IndexOfAny_finds()
    {
        var random = new Random(43);
        for (var round = 0; round < 200; round++)
        {
            var text = RandomText(random, random.Next(0, 700), random.NextDouble() * 0.05, '\\', '\\');
            var scanner = new CharScanner(text, '\\', '\\');
            for (var search = 0; search < 50; search++)
            {
                var from = random.Next(0, text.Length + 1);
                var end = random.Next(from, text.Length + 1);
                Assert.Equal(Expected(text, from, end, '\\', '\\'), scanner.Next(from, end));
            }
        }
    }

    [Fact]
    public void A_character_beyond_the_bound_is_not_returned_even_when_its_chunk_was_masked()
    {
        var text = new string('x', 40) + "%" + new string('x', 100);
        var scanner = new CharScanner(text, '%', '%');
        Assert.Equal(-1, scanner.Next(0, 40));
        Assert.Equal(40, scanner.Next(0, 41));
        Assert.Equal(-1, scanner.Next(0, 40));
        Assert.Equal(-1, scanner.Next(41, text.Length));
    }

    [Fact]
    public void Every_vector_width_builds_the_same_mask()
    {
        var random = new Random(47);
        for (var round = 0; round < 500; round++)
        {
            var chars = RandomText(random, 64, random.NextDouble() * 0.5, '&', ';').ToCharArray();
            var expected = 0UL;
            for (var k = 0; k < 64; k++)
            {
                expected |= chars[k] is '&' or ';' ? 1UL << k : 0;
            }

            ref var start = ref MemoryMarshal.Cast<char, ushort>(chars.AsSpan())[0];
            Assert.Equal(expected, CharScanner.Mask512(ref start, '&', ';'));
            Assert.Equal(expected, CharScanner.Mask256(ref start, '&', ';'));
            Assert.Equal(expected, CharScanner.Mask128(ref start, '&', ';'));

            // One character (the same twice) takes one compare per vector: the mask of '&' alone.
            var ampersands = 0UL;
            for (var k = 0; k < 64; k++)
            {
                ampersands |= chars[k] == '&' ? 1UL << k : 0;
            }

            Assert.Equal(ampersands, CharScanner.Mask512(ref start, '&', '&'));
            Assert.Equal(ampersands, CharScanner.Mask256(ref start, '&', '&'));
            Assert.Equal(ampersands, CharScanner.Mask128(ref start, '&', '&'));
        }
    }
}
