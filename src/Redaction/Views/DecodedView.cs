using System.Buffers;
using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Decoded text built from pooled arrays, with where in the source each character came from, kept as segments:
/// a run of characters copied unchanged maps position by position, a decoded unit maps to its whole escape. Pieces
/// of the source that were decoded separately are joined by <see cref="Separator"/>, which no form contains.
/// </summary>
internal struct DecodedView
{
    /// <summary>Stands between separately decoded pieces; a noncharacter, so it never occurs in a registered form.</summary>
    public const char Separator = '\uFFFF';

    private char[] _text;
    private Segment[] _segments;
    private int _segmentCount;

    public DecodedView(int capacity)
    {
        _text = ArrayPool<char>.Shared.Rent(capacity);
        _segments = ArrayPool<Segment>.Shared.Rent(Math.Max(64, capacity / 16));
        _segmentCount = 0;
        Length = 0;
        ProducedTriggers = 0;
    }

    public int Length { get; private set; }

    /// <summary>Which of <see cref="TextDecoder.All"/> have a trigger among the decoded characters (bit per decoder): only those can find a nested escape.</summary>
    public int ProducedTriggers { get; private set; }

    public readonly ReadOnlySpan<char> Text => _text.AsSpan(0, Length);

    /// <summary>Where the characters [start, end) of this view came from in the source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly (int Start, int End) Source(int start, int end)
    {
        ref readonly var first = ref _segments[Find(start)];
        ref readonly var last = ref _segments[Find(end - 1)];
        return (first.Run ? first.SourceStart + (start - first.ViewStart) : first.SourceStart,
                last.Run ? last.SourceStart + (end - last.ViewStart) : last.SourceEnd);
    }

    /// <summary>
    /// The view positions where a match may differ from the source: decoded units, separators, and runs that do not
    /// continue the source where the previous segment ended (a joined line). A match that contains none of them is
    /// a copy of source text, where the search of the source already found it.
    /// </summary>
    public readonly int RelevantCount => _segmentCount;

    /// <summary>
    /// The view position of segment <paramref name="index"/> when it is relevant (see <see cref="RelevantCount"/>), else
    /// -1; <paramref name="decoded"/> says whether it is a decoded character (a match must hold it) rather than the
    /// start of a joined run. The first run and a run after a separator start a piece where the source does: a match
    /// there that holds no decoded character is source text.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Relevant(int index, out bool decoded)
    {
        ref readonly var segment = ref _segments[index];
        decoded = !segment.Run;
        return !segment.Run || (index > 0 && _segments[index - 1].SourceEnd != segment.SourceStart) ? segment.ViewStart : -1;
    }

    /// <summary>Appends a character that decoding produced from the source range [sourceStart, sourceEnd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendDecoded(char c, int sourceStart, int sourceEnd)
    {
        ProducedTriggers |= TextDecoder.TriggeredBy(c);
        Append(c, sourceStart, sourceEnd);
    }

    /// <summary>Copies source characters [start, end) unchanged (inlined: the decoders call it once per escape, for the run before it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendSource(ReadOnlySpan<char> source, int start, int end)
    {
        var count = end - start;
        if (count <= 0)
        {
            return;
        }

        EnsureText(count);
        source[start..end].CopyTo(_text.AsSpan(Length));
        if (_segmentCount > 0 && _segments[_segmentCount - 1] is { Run: true } previous && previous.SourceEnd == start && previous.ViewStart + (previous.SourceEnd - previous.SourceStart) == Length)
        {
            _segments[_segmentCount - 1] = previous with { SourceEnd = end };
        }
        else
        {
            AddSegment(new Segment(Length, start, end, Run: true));
        }

        Length += count;
    }

    /// <summary>Starts a new piece (no match crosses from one piece into the next).</summary>
    public void Break(int sourcePosition)
    {
        if (Length > 0)
        {
            Append(Separator, sourcePosition, sourcePosition);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Return()
    {
        ArrayPool<char>.Shared.Return(_text);
        ArrayPool<Segment>.Shared.Return(_segments);
        _text = [];
        _segments = [];
        _segmentCount = 0;
        Length = 0;
        ProducedTriggers = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Append(char c, int sourceStart, int sourceEnd)
    {
        EnsureText(1);
        AddSegment(new Segment(Length, sourceStart, sourceEnd, Run: false));
        _text[Length++] = c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddSegment(Segment segment)
    {
        if (_segmentCount == _segments.Length)
        {
            GrowSegments();
        }

        _segments[_segmentCount++] = segment;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureText(int more)
    {
        if (Length + more > _text.Length)
        {
            GrowText(more);
        }
    }

    // The growth paths stay out of line, so the appends inline into the decoders' loops as one compare each.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSegments()
    {
        var larger = ArrayPool<Segment>.Shared.Rent(_segments.Length * 2);
        _segments.AsSpan(0, _segmentCount).CopyTo(larger);
        ArrayPool<Segment>.Shared.Return(_segments);
        _segments = larger;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowText(int more)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_text.Length * 2, Length + more));
        _text.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_text);
        _text = larger;
    }

    /// <summary>The segment that holds view position <paramref name="position"/>: the last one starting at or before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly int Find(int position)
    {
        int low = 0, high = _segmentCount - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_segments[middle].ViewStart <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>View characters from <see cref="ViewStart"/>: a run copied from [SourceStart, SourceEnd), or one decoded unit from that range.</summary>
    private readonly record struct Segment(int ViewStart, int SourceStart, int SourceEnd, bool Run);
}
