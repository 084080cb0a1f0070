using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Finds, one after another and from left to right, the positions of one or two characters in a text: a line break
/// per line, an escape per unit. It compares 64 characters at a time into a bit mask and answers the next searches
/// from that mask, where a call to <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/> per line or unit
/// would set up a vectorised search for a short distance each time.
/// </summary>
internal ref struct CharScanner
{
    private const int Chunk = 64;

    private readonly ReadOnlySpan<char> _text;
    private readonly char _first;
    private readonly char _second;
    private int _base;
    private ulong _mask;

    /// <summary>A scanner for <paramref name="first"/> or <paramref name="second"/> (the same character to find one).</summary>
    public CharScanner(ReadOnlySpan<char> text, char first, char second)
    {
        _text = text;
        _first = first;
        _second = second;
        _base = -Chunk;
        _mask = 0;
    }

    /// <summary>The first position in [<paramref name="from"/>, <paramref name="end"/>) that holds either character, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int from, int end)
    {
        var offset = from - _base;
        if ((uint)offset < Chunk)
        {
            var rest = _mask & (ulong.MaxValue << offset);
            if (rest != 0)
            {
                var found = _base + BitOperations.TrailingZeroCount(rest);
                return found < end ? found : -1;
            }

            from = _base + Chunk;
        }

        return Scan(from, end);
    }

    /// <summary>
    /// Masks the chunks from <paramref name="from"/> on, while they start before <paramref name="end"/>, until one holds
    /// a character (a chunk may read past <paramref name="end"/>, never past the text); a text shorter than a chunk is
    /// looked at one character at a time. Compiled fully optimised at its first call, as its callers are: it is not
    /// inlined into them, and unoptimised it would call <see cref="Mask"/> per chunk for a stream's first megabytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Scan(int from, int end)
    {
        ref var first = ref MemoryMarshal.GetReference(_text);
        var length = _text.Length;
        var (a, b) = (_first, _second);
        for (; from < end && from <= length - Chunk; from += Chunk)
        {
            var mask = Mask(ref Unsafe.Add(ref first, from), a, b);
            if (mask != 0)
            {
                (_base, _mask) = (from, mask);
                var found = from + BitOperations.TrailingZeroCount(mask);
                return found < end ? found : -1;
            }
        }

        end = Math.Min(end, length);
        if (from < end && length >= Chunk)
        {
            // Fewer than a chunk left: the text's last chunk, which overlaps what was masked already (kept whole, so a
            // later search further back still sees those positions).
            var last = length - Chunk;
            var mask = Mask(ref Unsafe.Add(ref first, last), a, b);
            (_base, _mask) = (last, mask);
            var rest = mask & (ulong.MaxValue << (from - last));
            var found = rest == 0 ? -1 : last + BitOperations.TrailingZeroCount(rest);
            return found < end ? found : -1;
        }

        for (; from < end; from++)
        {
            var c = Unsafe.Add(ref first, from);
            if (c == a || c == b)
            {
                return from;
            }
        }

        return -1;
    }

    /// <summary>Bit k set where the character k after <paramref name="at"/> is one of the two (64 characters are read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(ref char at, char first, char second)
    {
        ref var start = ref Unsafe.As<char, ushort>(ref at);
        if (Vector512.IsHardwareAccelerated)
        {
            return Mask512(ref start, first, second);
        }

        return Vector256.IsHardwareAccelerated ? Mask256(ref start, first, second) : Mask128(ref start, first, second);
    }

    /// <summary>
    /// <see cref="Mask"/> in 512-bit compares, one per half when both characters are the same (a trigger, a line break)
    /// and two otherwise (each width is its own method so tests run all three).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask512(ref ushort start, char first, char second)
    {
        // Each compare's bits are taken straight from its mask register: or-ing the compares as vectors first made the
        // JIT turn every mask into a vector and back.
        var a = Vector512.Create((ushort)first);
        var low = Vector512.LoadUnsafe(ref start);
        var high = Vector512.LoadUnsafe(ref start, 32);
        var mask = Vector512.Equals(low, a).ExtractMostSignificantBits() | (Vector512.Equals(high, a).ExtractMostSignificantBits() << 32);
        if (first != second)
        {
            var b = Vector512.Create((ushort)second);
            mask |= Vector512.Equals(low, b).ExtractMostSignificantBits() | (Vector512.Equals(high, b).ExtractMostSignificantBits() << 32);
        }

        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask256(ref ushort start, char first, char second)
    {
        var a = Vector256.Create((ushort)first);
        var b = Vector256.Create((ushort)second);
        var mask = 0UL;
        for (var k = 0; k < Chunk; k += 16)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)k);
            var equal = Vector256.Equals(v, a);
            if (first != second)
            {
                equal |= Vector256.Equals(v, b);
            }

            mask |= (ulong)equal.ExtractMostSignificantBits() << k;
        }

        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask128(ref ushort start, char first, char second)
    {
        var a = Vector128.Create((ushort)first);
        var b = Vector128.Create((ushort)second);
        var mask = 0UL;
        for (var k = 0; k < Chunk; k += 8)
        {
            var v = Vector128.LoadUnsafe(ref start, (nuint)k);
            var equal = Vector128.Equals(v, a);
            if (first != second)
            {
                equal |= Vector128.Equals(v, b);
            }

            mask |= (ulong)equal.ExtractMostSignificantBits() << k;
        }

        return mask;
    }
}
