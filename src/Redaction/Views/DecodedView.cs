using System.Buffers;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Decoded text built from pooled arrays, with the range in the source text that each character came from. Pieces
/// of the source that were decoded separately are joined by <see cref="Separator"/>, which no form contains.
/// </summary>
internal struct DecodedView
{
    /// <summary>Stands between separately decoded pieces; a noncharacter, so it never occurs in a registered form.</summary>
    public const char Separator = '\uFFFF';

    private char[] _text;
    private int[] _starts;
    private int[] _ends;

    public DecodedView(int capacity)
    {
        _text = ArrayPool<char>.Shared.Rent(capacity);
        _starts = ArrayPool<int>.Shared.Rent(capacity);
        _ends = ArrayPool<int>.Shared.Rent(capacity);
        Length = 0;
    }

    public int Length { get; private set; }

    /// <summary>Which of <see cref="TextDecoder.All"/> have a trigger among the decoded characters (bit per decoder): only those can find a nested escape.</summary>
    public int ProducedTriggers { get; private set; }

    public readonly ReadOnlySpan<char> Text => _text.AsSpan(0, Length);

    /// <summary>Where the characters [start, end) of this view came from in the source.</summary>
    public readonly (int Start, int End) Source(int start, int end) => (_starts[start], _ends[end - 1]);

    /// <summary>Appends a character that decoding produced.</summary>
    public void AppendDecoded(char c, int sourceStart, int sourceEnd)
    {
        ProducedTriggers |= TextDecoder.TriggeredBy(c);
        Append(c, sourceStart, sourceEnd);
    }

    private void Append(char c, int sourceStart, int sourceEnd)
    {
        if (Length == _text.Length)
        {
            Grow(1);
        }

        _text[Length] = c;
        _starts[Length] = sourceStart;
        _ends[Length++] = sourceEnd;
    }

    /// <summary>Copies source characters [start, end) unchanged.</summary>
    public void AppendSource(ReadOnlySpan<char> source, int start, int end)
    {
        var count = end - start;
        if (Length + count > _text.Length)
        {
            Grow(count);
        }

        source[start..end].CopyTo(_text.AsSpan(Length));
        for (var i = 0; i < count; i++)
        {
            _starts[Length + i] = start + i;
            _ends[Length + i] = start + i + 1;
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

    public void Return()
    {
        ArrayPool<char>.Shared.Return(_text);
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_ends);
        _text = [];
        _starts = [];
        _ends = [];
        Length = 0;
        ProducedTriggers = 0;
    }

    private void Grow(int more)
    {
        var length = Length;
        var size = Math.Max(_text.Length * 2, length + more);
        var text = ArrayPool<char>.Shared.Rent(size);
        var starts = ArrayPool<int>.Shared.Rent(size);
        var ends = ArrayPool<int>.Shared.Rent(size);
        _text.AsSpan(0, length).CopyTo(text);
        _starts.AsSpan(0, length).CopyTo(starts);
        _ends.AsSpan(0, length).CopyTo(ends);
        var produced = ProducedTriggers;
        Return();
        (_text, _starts, _ends) = (text, starts, ends);
        Length = length;
        ProducedTriggers = produced;
    }
}
