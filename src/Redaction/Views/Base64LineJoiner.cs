using System.Buffers;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Joins runs of two or more consecutive lines that hold only Base64 (either alphabet, padding, hex), with their
/// indentation and line breaks removed, as MIME (76 columns) and PEM (64 columns) wrap Base64, so the Base64 forms
/// of a value match across the breaks.
/// </summary>
internal sealed class Base64LineJoiner : TextDecoder
{
    private static readonly SearchValues<char> NewLine = SearchValues.Create("\n");
    private static readonly SearchValues<char> Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_");

    public override SearchValues<char> Triggers => NewLine;

    public override bool Decode(ReadOnlySpan<char> text, int window, ref DecodedView view)
    {
        var changed = false;
        var lines = 0;
        (int Start, int End) first = default;
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            var newline = text[lineStart..].IndexOf('\n');
            var lineEnd = newline < 0 ? text.Length : lineStart + newline;
            var start = lineStart;
            while (start < lineEnd && text[start] is ' ' or '\t')
            {
                start++;
            }

            var end = lineEnd > start && text[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            if (end > start && text[start..end].IndexOfAnyExcept(Alphabet) < 0)
            {
                if (++lines == 1)
                {
                    first = (start, end);
                }
                else
                {
                    if (lines == 2)
                    {
                        view.Break(first.Start);
                        view.AppendSource(text, first.Start, first.End);
                        changed = true;
                    }

                    view.AppendSource(text, start, end);
                }
            }
            else
            {
                lines = 0;
            }

            if (newline < 0)
            {
                break;
            }

            lineStart = lineEnd + 1;
        }

        return changed;
    }

    protected override int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed)
    {
        consumed = 0;
        return 0;
    }
}
