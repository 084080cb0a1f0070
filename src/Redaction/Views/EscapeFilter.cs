using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Which decoded characters can matter to a search: those some registered form holds (a reach above 0, see
/// <see cref="RedactionTier.Reach(char)"/>) and the triggers of the decoders (a nested escape may start there). An escape
/// that decodes only to other characters opens no window: no match can hold what it decodes to, and no nested escape
/// can start there, so decoding it changes no hit unless another escape's window covers it anyway.
/// </summary>
internal readonly struct EscapeFilter
{
    private readonly int[]? _reach;
    private readonly int _maxLength;

    /// <summary>A filter over a reach table (<see cref="RedactionTier.MergeReach"/>) whose longest form is <paramref name="maxLength"/>.</summary>
    public EscapeFilter(int[] reach, int maxLength)
    {
        _reach = reach;
        _maxLength = maxLength;
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
            if (TextDecoder.TriggeredBy(c) != 0 || RedactionTier.Reach(_reach, c, _maxLength) != 0)
            {
                return true;
            }
        }

        return false;
    }
}
