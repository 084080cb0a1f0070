using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Undoes one kind of escaping in the parts of a text around its escapes, into a <see cref="DecodedView"/> that maps
/// each decoded character back to the source range it came from. A form can only appear decoded in a window of
/// <c>window</c> characters on either side of an escape it contains (anywhere else the plain search already saw
/// it), so only those windows are decoded.
/// </summary>
internal abstract class TextDecoder
{
    /// <summary>The decoders a redactor applies, each also to the output of the others, up to the configured depth.</summary>
    public static readonly TextDecoder[] All = [new PercentDecoder(), new EntityDecoder(), new BackslashDecoder(), new Base64LineJoiner()];

    /// <summary>The Base64 line joiner, the last of <see cref="All"/> (bit 8), which the redactor also runs first on its own.</summary>
    public static Base64LineJoiner LineJoiner => (Base64LineJoiner)All[^1];

    /// <summary>All decoders' bits (see <see cref="TriggeredBy"/>).</summary>
    public const int AllBits = 0b1111;

    /// <summary>The bits of the decoders in <see cref="All"/> that <paramref name="c"/> triggers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TriggeredBy(char c) => c switch { '%' => 1, '&' => 2, '\\' => 4, '\n' => 8, _ => 0 };

    /// <summary>The character that opens an escape (a line break for the joiner).</summary>
    public abstract char Trigger { get; }

    /// <summary>Whether <paramref name="text"/> holds <see cref="Trigger"/>; a text without it is not decoded.</summary>
    public bool HasTrigger(ReadOnlySpan<char> text) => text.Contains(Trigger);

    /// <summary>
    /// Decodes the windows around the escapes of <paramref name="text"/> that <paramref name="filter"/> lets open one into
    /// <paramref name="view"/>; false when nothing was decoded.
    /// </summary>
    public abstract bool Decode(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view);

    /// <summary>
    /// <see cref="Decode(ReadOnlySpan{char}, int, EscapeFilter, ref DecodedView)"/> for the escapes of <typeparamref name="TSyntax"/>,
    /// compiled once per syntax so its characters are constants and its unit decoding a direct call. A window also stops at the line
    /// breaks around its escape: these escapings never leave a raw line break inside an escaped value (a multi-line
    /// value's lines are registered on their own). An escape whose decoded characters <paramref name="filter"/> rejects
    /// opens none (inside another escape's window it is decoded all the same, so the view there is what it was).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static bool Decode<TSyntax>(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view)
        where TSyntax : struct, IEscapeSyntax
    {
        Span<char> unit = stackalloc char[2];
        var changed = false;
        int windowStart = -1, windowEnd = -1;
        int lineStart = 0, lineEnd = -1;
        var triggers = new CharScanner(text, TSyntax.Trigger, TSyntax.Trigger);
        for (var i = triggers.Next(0, text.Length); i >= 0; i = triggers.Next(i + 1, text.Length))
        {
            var written = TSyntax.TryDecode(text, i, unit, out var consumed);
            if (written == 0 || !filter.Matters(text, i, consumed, unit[..written]))
            {
                continue;
            }

            if (i >= lineEnd)
            {
                lineStart = i == 0 ? 0 : text[..i].LastIndexOf('\n') + 1;
                var newline = text[i..].IndexOf('\n');
                lineEnd = newline < 0 ? text.Length : i + newline;
            }

            var start = Math.Max(lineStart, i - window);
            var end = (int)Math.Min(lineEnd, (long)i + window);
            if (windowStart >= 0 && start <= windowEnd)
            {
                windowEnd = Math.Max(windowEnd, end);
            }
            else
            {
                if (windowStart >= 0)
                {
                    changed |= DecodeWindow<TSyntax>(text, windowStart, windowEnd, ref view);
                }

                (windowStart, windowEnd) = (start, end);
            }

            if (windowEnd == lineEnd)
            {
                // The window already reaches the end of the line, and no later escape of the line can move it (a window
                // stops there): go on from the next line rather than look at every escape of this one (JSON lines hold
                // dozens), since DecodeWindow decodes them all anyway.
                i = lineEnd - 1;
            }
        }

        if (windowStart >= 0)
        {
            changed |= DecodeWindow<TSyntax>(text, windowStart, windowEnd, ref view);
        }

        return changed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool DecodeWindow<TSyntax>(ReadOnlySpan<char> text, int start, int end, ref DecodedView view)
        where TSyntax : struct, IEscapeSyntax
    {
        Span<char> unit = stackalloc char[2];
        var changed = false;
        view.Break(start);
        var position = start;
        var units = new CharScanner(text, TSyntax.Trigger, TSyntax.OtherUnit);
        while (position < end)
        {
            var next = units.Next(position, end);
            if (next < 0)
            {
                view.AppendSource(text, position, end);
                break;
            }

            view.AppendSource(text, position, next);
            var written = TSyntax.TryDecode(text, next, unit, out var consumed);
            if (written == 0 || next + consumed > end)
            {
                view.AppendSource(text, next, next + 1);
                position = next + 1;
                continue;
            }

            for (var k = 0; k < written; k++)
            {
                view.AppendDecoded(unit[k], next, next + consumed);
            }

            changed = true;
            position = next + consumed;
        }

        return changed;
    }

    /// <summary>The value of a hex digit, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Writes a code point as one or two UTF-16 characters; 0 for a value that is not a scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static int WriteCodePoint(int codePoint, Span<char> output)
    {
        if (codePoint is < 0 or > 0x10FFFF || (codePoint is >= 0xD800 and <= 0xDFFF))
        {
            return 0;
        }

        return new System.Text.Rune(codePoint).EncodeToUtf16(output);
    }
}
