using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Joins Base64 (either alphabet, padding, hex) that is wrapped over lines, as MIME (76 columns) and PEM (64 columns)
/// wrap it: the Base64 run that ends a line (at least <see cref="MinimumRun"/> characters, as a label may precede it)
/// and the lines after it that hold only Base64 (indentation and CR removed), then, after at least one such line or
/// right after a run of 64 or 76 characters, the Base64 run that starts the next line; line breaks are removed, so
/// the Base64 forms of a value match across them. A one-line blob followed by an ordinary line is left alone.
/// </summary>
internal sealed class Base64LineJoiner : TextDecoder
{
    /// <summary>A Base64 run that ends a line opens a block only from this length (a wrapped line is 64 or 76).</summary>
    public const int MinimumRun = 16;

    /// <summary>The widest wrap the joiner knows a block's first line by (MIME's 76 columns; PEM's is 64).</summary>
    public const int WidestWrap = 76;

    /// <summary>The characters of either Base64 alphabet, and padding (hex digits among them).</summary>
    internal const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_";

    public override char Trigger => '\n';

    public override bool Decode(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view)
    {
        var blocks = new BlockList(record: false);
        return Decode(text, ref view, ref blocks);
    }

    /// <summary>
    /// Joins the blocks of <paramref name="text"/> into <paramref name="view"/>, and adds to <paramref name="blocks"/>
    /// the source range of each block whose lines are not indented: every character in it is Base64 or a line break,
    /// so every match inside it that holds no line break is also a match of the view.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Decode(ReadOnlySpan<char> text, ref DecodedView view, ref BlockList blocks)
    {
        var changed = false;
        int blockStart = -1, blockEnd = -1;
        var indented = false;
        var lines = 0;
        (int Start, int End) first = default;
        var lineStart = 0;
        var newlines = new CharScanner(text, '\n', '\n');
        while (lineStart <= text.Length)
        {
            var newline = newlines.Next(lineStart, text.Length);
            var lineEnd = newline < 0 ? text.Length : newline;
            var start = lineStart;
            while (start < lineEnd && text[start] is ' ' or '\t')
            {
                start++;
            }

            var end = lineEnd > start && text[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            var line = text[start..end];
            if (lines > 0)
            {
                var foreign = line.IsEmpty ? 0 : FirstForeign(line);
                if (foreign < 0)
                {
                    // A block is open and this whole line is Base64: it continues the block.
                    if (++lines == 2)
                    {
                        view.Break(first.Start);
                        view.AppendSource(text, first.Start, first.End);
                        changed = true;
                        (blockStart, indented) = (first.Start, false);
                    }

                    view.AppendSource(text, start, end);
                    blockEnd = end;
                    indented |= start > lineStart;
                }
                else
                {
                    // A block may end in the Base64 run that starts this line: after at least one whole line, or right
                    // after a run of a wrap width (PEM 64, MIME 76); a one-line blob followed by an ordinary line is left alone.
                    if (foreign > 0 && (lines >= 2 || (first.End - first.Start) is 64 or 76))
                    {
                        if (lines == 1)
                        {
                            view.Break(first.Start);
                            view.AppendSource(text, first.Start, first.End);
                            changed = true;
                            (blockStart, indented) = (first.Start, false);
                        }

                        view.AppendSource(text, start, start + foreign);
                        blockEnd = start + foreign;
                        indented |= start > lineStart;
                    }

                    Close(ref blocks, ref blockStart, blockEnd, indented);
                    lines = 0;
                }
            }

            // With no block open, only a line that ends in a Base64 run of MinimumRun characters matters (it may open
            // one), so the rest of an ordinary line is not scanned.
            if (lines == 0 && line.Length >= MinimumRun && InAlphabet(line[^1]) && LastForeign(line[^MinimumRun..]) < 0)
            {
                var tail = line.Length - 1 - LastForeign(line);
                lines = 1;
                first = (end - tail, end);
            }

            if (newline < 0)
            {
                break;
            }

            lineStart = lineEnd + 1;
        }

        Close(ref blocks, ref blockStart, blockEnd, indented);
        return changed;
    }

    /// <summary>
    /// Where a search of what follows <paramref name="cut"/> must start to see the blocks the whole text has: the start
    /// of the Base64 run that holds the cut, when that run began at most <see cref="WidestWrap"/> characters before it (a
    /// block whose next line is not whole Base64 opens only on a first run of exactly 64 or 76 characters, and a search
    /// that started inside it would see a shorter one); otherwise the cut itself (a longer run opens a block only with
    /// whole lines after it, which that search still sees).
    /// </summary>
    public static int RunStart(ReadOnlySpan<char> text, int cut)
    {
        if (cut <= 0 || cut >= text.Length || !InAlphabet(text[cut - 1]) || !InAlphabet(text[cut]))
        {
            return cut;
        }

        var from = Math.Max(0, cut - WidestWrap);
        var foreign = LastForeign(text[from..cut]);
        return foreign >= 0 ? from + foreign + 1 : from == 0 ? 0 : cut;
    }

    // The scans below compare a vector of characters with the alphabet's ranges, in code of this class that is compiled
    // fully optimised with Decode. SearchValues' negated searches are generic code the runtime does not precompile:
    // they ran unoptimised for a stream's first hundreds of milliseconds, over every line of every block (a third of
    // ordinary logs). A scalar loop instead was 0.68x on the whole stream.

    /// <summary>Whether <paramref name="c"/> is in <see cref="Alphabet"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool InAlphabet(char c) =>
        (uint)((c | 0x20) - 'a') < 26 || (uint)(c - '0') < 10 || c is '+' or '/' or '=' or '-' or '_';

    /// <summary>The position of the first character of <paramref name="line"/> outside <see cref="Alphabet"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FirstForeign(ReadOnlySpan<char> line) =>
        Vector256.IsHardwareAccelerated ? FirstForeign256(line) : FirstForeign128(line);

    /// <summary>The position of the last character of <paramref name="line"/> outside <see cref="Alphabet"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LastForeign(ReadOnlySpan<char> line) =>
        Vector256.IsHardwareAccelerated ? LastForeign256(line) : LastForeign128(line);

    /// <summary><see cref="FirstForeign"/> 16 characters at a time; the last vector overlaps the one before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int FirstForeign256(ReadOnlySpan<char> line)
    {
        var length = line.Length;
        if (length < 16)
        {
            return FirstForeignScalar(line);
        }

        ref var start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(line));
        for (var i = 0; ; i += 16)
        {
            var at = Math.Min(i, length - 16);
            var foreign = ~Member(Vector256.LoadUnsafe(ref start, (nuint)at)).ExtractMostSignificantBits() & 0xFFFF;
            if (foreign != 0)
            {
                return at + BitOperations.TrailingZeroCount(foreign);
            }

            if (at == length - 16)
            {
                return -1;
            }
        }
    }

    /// <summary><see cref="LastForeign"/> 16 characters at a time from the end; the first vector overlaps the one after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int LastForeign256(ReadOnlySpan<char> line)
    {
        var length = line.Length;
        if (length < 16)
        {
            return LastForeignScalar(line);
        }

        ref var start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(line));
        for (var end = length; ; end -= 16)
        {
            var at = Math.Max(end - 16, 0);
            var foreign = ~Member(Vector256.LoadUnsafe(ref start, (nuint)at)).ExtractMostSignificantBits() & 0xFFFF;
            if (foreign != 0)
            {
                return at + 31 - BitOperations.LeadingZeroCount(foreign);
            }

            if (at == 0)
            {
                return -1;
            }
        }
    }

    /// <summary><see cref="FirstForeign"/> 8 characters at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int FirstForeign128(ReadOnlySpan<char> line)
    {
        var length = line.Length;
        if (length < 8)
        {
            return FirstForeignScalar(line);
        }

        ref var start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(line));
        for (var i = 0; ; i += 8)
        {
            var at = Math.Min(i, length - 8);
            var foreign = ~Member(Vector128.LoadUnsafe(ref start, (nuint)at)).ExtractMostSignificantBits() & 0xFF;
            if (foreign != 0)
            {
                return at + BitOperations.TrailingZeroCount(foreign);
            }

            if (at == length - 8)
            {
                return -1;
            }
        }
    }

    /// <summary><see cref="LastForeign"/> 8 characters at a time from the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int LastForeign128(ReadOnlySpan<char> line)
    {
        var length = line.Length;
        if (length < 8)
        {
            return LastForeignScalar(line);
        }

        ref var start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(line));
        for (var end = length; ; end -= 8)
        {
            var at = Math.Max(end - 8, 0);
            var foreign = ~Member(Vector128.LoadUnsafe(ref start, (nuint)at)).ExtractMostSignificantBits() & 0xFF;
            if (foreign != 0)
            {
                return at + 31 - BitOperations.LeadingZeroCount(foreign);
            }

            if (at == 0)
            {
                return -1;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FirstForeignScalar(ReadOnlySpan<char> line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (!InAlphabet(line[i]))
            {
                return i;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LastForeignScalar(ReadOnlySpan<char> line)
    {
        for (var i = line.Length - 1; i >= 0; i--)
        {
            if (!InAlphabet(line[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>All bits set in each lane that holds a character of <see cref="Alphabet"/> (letters by their lower case).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Member(Vector256<ushort> v) =>
        Vector256.LessThan((v | Vector256.Create((ushort)0x20)) - Vector256.Create((ushort)'a'), Vector256.Create((ushort)26))
        | Vector256.LessThan(v - Vector256.Create((ushort)'0'), Vector256.Create((ushort)10))
        | Vector256.Equals(v, Vector256.Create((ushort)'+'))
        | Vector256.Equals(v, Vector256.Create((ushort)'/'))
        | Vector256.Equals(v, Vector256.Create((ushort)'='))
        | Vector256.Equals(v, Vector256.Create((ushort)'-'))
        | Vector256.Equals(v, Vector256.Create((ushort)'_'));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> Member(Vector128<ushort> v) =>
        Vector128.LessThan((v | Vector128.Create((ushort)0x20)) - Vector128.Create((ushort)'a'), Vector128.Create((ushort)26))
        | Vector128.LessThan(v - Vector128.Create((ushort)'0'), Vector128.Create((ushort)10))
        | Vector128.Equals(v, Vector128.Create((ushort)'+'))
        | Vector128.Equals(v, Vector128.Create((ushort)'/'))
        | Vector128.Equals(v, Vector128.Create((ushort)'='))
        | Vector128.Equals(v, Vector128.Create((ushort)'-'))
        | Vector128.Equals(v, Vector128.Create((ushort)'_'));

    private static void Close(ref BlockList blocks, ref int blockStart, int blockEnd, bool indented)
    {
        if (blockStart >= 0 && !indented)
        {
            blocks.Add(blockStart, blockEnd);
        }

        blockStart = -1;
    }

    /// <summary>Source ranges of joined blocks, in a pooled array rented on the first (none when not recording); return it with <see cref="Return"/>.</summary>
    internal struct BlockList(bool record)
    {
        private (int Start, int End)[]? _items;

        public int Count { get; private set; }

        public readonly (int Start, int End) this[int index] => _items![index];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(int start, int end)
        {
            if (!record)
            {
                return;
            }

            if (_items is null || Count == _items.Length)
            {
                var larger = ArrayPool<(int Start, int End)>.Shared.Rent(Math.Max(16, Count * 2));
                _items?.AsSpan(0, Count).CopyTo(larger);
                if (_items is not null)
                {
                    ArrayPool<(int Start, int End)>.Shared.Return(_items);
                }

                _items = larger;
            }

            _items[Count++] = (start, end);
        }

        public void Return()
        {
            if (_items is not null)
            {
                ArrayPool<(int Start, int End)>.Shared.Return(_items);
                _items = null;
                Count = 0;
            }
        }
    }
}
