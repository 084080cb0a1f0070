using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Which decoded characters can matter to a search: those some registered form holds (a reach above 0, see
/// <see cref="RedactionTier.Reach(char)"/>), the triggers of the decoders (a nested escape may start there), and the
/// characters a nested escape can hold past its first (<see cref="InsideEscape"/>: once a decoded trigger elsewhere has a
/// view decoded again, <c>&amp;#\u0031\u0032\u0032;</c> is an entity there). An escape that decodes only to other
/// characters opens no window: no match can hold what it decodes to, and no nested escape can start at it or hold it,
/// so decoding it changes no hit unless another escape's window covers it anyway. When some form must stand as a whole
/// token, an escape that ends in a letter or digit and decodes to neither also opens one where a letter or digit follows
/// it: the view has a token boundary there that the source has not (<c>%22123</c>).
/// </summary>
internal readonly struct EscapeFilter
{
    private readonly int[]? _reach;
    private readonly int _maxLength;
    private readonly bool _tokens;

    /// <summary>
    /// A filter over a reach table (<see cref="RedactionTier.MergeReach"/>) whose longest form is <paramref name="maxLength"/>;
    /// <paramref name="tokens"/> when some form may have to stand as a whole token.
    /// </summary>
    public EscapeFilter(int[] reach, int maxLength, bool tokens)
    {
        _reach = reach;
        _maxLength = maxLength;
        _tokens = tokens;
    }

    /// <summary>The filter that lets every escape open its window (the general path, which tests compare with).</summary>
    public static EscapeFilter None => default;

    /// <summary>Whether any of <paramref name="decoded"/> can be held by a match or start a nested escape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matters(ReadOnlySpan<char> decoded)
    {
        if (_reach is null)
        {
            return true;
        }

        foreach (var c in decoded)
        {
            if (TextDecoder.TriggeredBy(c) != 0 || InsideEscape(c) || RedactionTier.Reach(_reach, c, _maxLength) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the escape of <paramref name="length"/> characters at <paramref name="index"/> of <paramref name="text"/>,
    /// which decodes to <paramref name="decoded"/>, opens a window: <see cref="Matters(ReadOnlySpan{char})"/>, or, with forms
    /// that must stand as whole tokens, it ends in a letter or digit, decodes to another character and a letter or digit
    /// follows it, so a token can start right after it in the view and not in the source.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matters(ReadOnlySpan<char> text, int index, int length, ReadOnlySpan<char> decoded)
    {
        if (Matters(decoded))
        {
            return true;
        }

        var next = index + length;
        return _tokens && next < text.Length && char.IsLetterOrDigit(text[next]) && char.IsLetterOrDigit(text[next - 1]) && !char.IsLetterOrDigit(decoded[^1]);
    }

    /// <summary>
    /// Whether an escape of some decoder can hold <paramref name="c"/> past its first character and decode to another
    /// character: hex and decimal digits, the letters of <c>\u \x \n \r \t</c> and of the entity names, <c># ;</c>, and
    /// <c>+</c>, a space in a percent window. (After a backslash any other character decodes to itself.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InsideEscape(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F') or (>= 'a' and <= 'g')
        or 'l' or 'm' or 'n' or 'o' or 'p' or 'q' or 'r' or 's' or 't' or 'u' or 'x' or 'X' or '#' or ';' or '+';
}
