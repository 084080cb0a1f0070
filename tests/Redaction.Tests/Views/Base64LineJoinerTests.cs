using System.Buffers;
using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction.Tests.Views;

/// <summary>
/// The joiner scans each line for the first and the last character outside the Base64 alphabet with vector compares of
/// its own: every answer, at each vector width, must be what <see cref="SearchValues{T}"/> over the same alphabet gives.
/// </summary>
public sealed class Base64LineJoinerTests
{
    private static readonly SearchValues<char> Alphabet = SearchValues.Create(Base64LineJoiner.Alphabet);

    // Every character of the alphabet, the characters next to each of its ranges and to its letters' lower-case image,
    // and characters beyond ASCII whose low byte is in the alphabet.
    private static readonly char[] Pool =
        [.. Base64LineJoiner.Alphabet, '@', '[', '`', '{', '*', ',', '.', ':', ';', '<', '>', '^', '\\', '|', '~', ' ', '\t',
         '\r', '\0', (char)0x7F, (char)0xC1, (char)0xE1, 'é', 'Ł', (char)0x141, (char)0x161, (char)0x12B, (char)0x230,
         (char)0x2161, '\uFFFF', '\uD83D', '\uDD11'];

    [Fact]
    public void Each_width_finds_the_first_and_the_last_character_outside_the_alphabet_as_search_values_do()
    {
        var random = new Random(1414);
        for (var round = 0; round < 20_000; round++)
        {
            var line = RandomLine(random, random.Next(0, 200));
            var first = line.AsSpan().IndexOfAnyExcept(Alphabet);
            var last = line.AsSpan().LastIndexOfAnyExcept(Alphabet);

            Assert.Equal(first, Base64LineJoiner.FirstForeign(line));
            Assert.Equal(first, Base64LineJoiner.FirstForeign256(line));
            Assert.Equal(first, Base64LineJoiner.FirstForeign128(line));
            Assert.Equal(last, Base64LineJoiner.LastForeign(line));
            Assert.Equal(last, Base64LineJoiner.LastForeign256(line));
            Assert.Equal(last, Base64LineJoiner.LastForeign128(line));
        }
    }

    [Fact]
    public void Every_character_is_in_the_alphabet_exactly_when_search_values_say_so()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var line = new string((char)c, 40);
            var inside = Alphabet.Contains((char)c);
            Assert.Equal(inside, Base64LineJoiner.InAlphabet((char)c));
            Assert.Equal(inside ? -1 : 0, Base64LineJoiner.FirstForeign256(line));
            Assert.Equal(inside ? -1 : 0, Base64LineJoiner.FirstForeign128(line));
            Assert.Equal(inside ? -1 : 39, Base64LineJoiner.LastForeign256(line));
            Assert.Equal(inside ? -1 : 39, Base64LineJoiner.LastForeign128(line));
        }
    }

    private static string RandomLine(Random random, int length)
    {
        // Mostly Base64 with a few foreign characters, so first and last land anywhere, in either vector of an overlap.
        var chars = new char[length];
        var foreignRate = random.Next(4) switch { 0 => 0.0, 1 => 0.01, 2 => 0.05, _ => 0.3 };
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.NextDouble() < foreignRate
                ? Pool[random.Next(Base64LineJoiner.Alphabet.Length, Pool.Length)]
                : Base64LineJoiner.Alphabet[random.Next(Base64LineJoiner.Alphabet.Length)];
        }

        if (length > 0 && random.Next(3) == 0)
        {
            chars[random.Next(length)] = Pool[random.Next(Pool.Length)];
        }

        return new string(chars);
    }
}
