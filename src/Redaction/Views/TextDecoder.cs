using System.Buffers;

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
    public static int TriggeredBy(char c) => c switch { '%' => 1, '&' => 2, '\\' => 4, '\n' => 8, _ => 0 };

    /// <summary>Characters that can open an escape; a text without any is not decoded.</summary>
    public abstract SearchValues<char> Triggers { get; }

    /// <summary>Characters that can start a decoded unit inside a window (the triggers, plus for example <c>+</c>).</summary>
    protected virtual SearchValues<char> Units => Triggers;

    /// <summary>
    /// Decodes the windows around the escapes of <paramref name="text"/> into <paramref name="view"/>; false when
    /// nothing was decoded. A window also stops at the line breaks around its escape: these escapings never leave a
    /// raw line break inside an escaped value (a multi-line value's lines are registered on their own).
    /// </summary>
    public virtual bool Decode(ReadOnlySpan<char> text, int window, ref DecodedView view)
    {
        Span<char> unit = stackalloc char[2];
        var changed = false;
        int windowStart = -1, windowEnd = -1;
        int lineStart = 0, lineEnd = -1;
        for (var i = text.IndexOfAny(Triggers); i >= 0; i = Next(text, i + 1, Triggers))
        {
            if (TryDecode(text, i, unit, out _) == 0)
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
                    changed |= DecodeWindow(text, windowStart, windowEnd, ref view);
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
            changed |= DecodeWindow(text, windowStart, windowEnd, ref view);
        }

        return changed;
    }

    /// <summary>Decodes the unit at <paramref name="index"/> into <paramref name="output"/>; returns the characters written, 0 when no unit starts there.</summary>
    protected abstract int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed);

    private bool DecodeWindow(ReadOnlySpan<char> text, int start, int end, ref DecodedView view)
    {
        Span<char> unit = stackalloc char[2];
        var changed = false;
        view.Break(start);
        var position = start;
        while (position < end)
        {
            var next = Next(text[..end], position, Units);
            if (next < 0)
            {
                view.AppendSource(text, position, end);
                break;
            }

            view.AppendSource(text, position, next);
            var written = TryDecode(text, next, unit, out var consumed);
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

    private static int Next(ReadOnlySpan<char> text, int from, SearchValues<char> values)
    {
        if (from >= text.Length)
        {
            return -1;
        }

        var found = text[from..].IndexOfAny(values);
        return found < 0 ? -1 : from + found;
    }

    /// <summary>The value of a hex digit, or -1.</summary>
    protected static int Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Writes a code point as one or two UTF-16 characters; 0 for a value that is not a scalar.</summary>
    protected static int WriteCodePoint(int codePoint, Span<char> output)
    {
        if (codePoint is < 0 or > 0x10FFFF || (codePoint is >= 0xD800 and <= 0xDFFF))
        {
            return 0;
        }

        return new System.Text.Rune(codePoint).EncodeToUtf16(output);
    }
}
