using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// An immutable group of secrets and all their forms, indexed for one pass over a text. Forms of at least
/// <see cref="LongLength"/> characters are found by sampling: every occurrence of a form of length L ≥ m covers
/// one of the text positions p ≡ 0 (mod m - 3) at a pattern offset j ≤ m - 4, so only those positions are looked
/// up, by their four characters (case-folded), in a bitmap and then a chain of (pattern, offset) candidates.
/// Building is linear in the total length of the forms, and <see cref="Extend"/> copies the index and adds only the
/// new forms. Shorter forms (short values) go to one <see cref="SearchValues{T}"/>.
/// </summary>
internal sealed class RedactionTier
{
    /// <summary>Forms at least this long are found by sampling.</summary>
    public const int LongLength = 8;

    private const int Gram = 4;
    private const int MinimumStep = LongLength - Gram + 1;
    private const ulong Fold = 0xFFDF_FFDF_FFDF_FFDF;

    private static readonly SearchValues<char> Base64Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_");

    private readonly RedactionPattern[] _long;
    private readonly int _longCount;
    private readonly Candidate[] _candidates;
    private int _candidateCount;
    private readonly Dictionary<ulong, int> _heads;
    private readonly ulong[] _bits;
    private readonly int _shift;
    private readonly int _step;
    private readonly RedactionPattern[] _short;
    private readonly SearchValues<string>? _shortFinder;

    /// <summary>Indexes <paramref name="entries"/>; with <paramref name="extensible"/> the sampling step stays at its minimum so <see cref="Extend"/> can add any form.</summary>
    public RedactionTier(IReadOnlyList<RedactionEntry> entries, bool extensible = false)
    {
        Entries = entries;
        var patterns = new Dictionary<(string, bool), RedactionPattern>();
        foreach (var pattern in entries.Where(e => !e.Released).SelectMany(e => e.Patterns()))
        {
            patterns.TryAdd((pattern.Text, pattern.IgnoreCase), pattern);
        }

        _long = patterns.Values.Where(p => p.Text.Length >= LongLength).ToArray();
        _longCount = _long.Length;
        _short = patterns.Values.Where(p => p.Text.Length < LongLength).OrderByDescending(p => p.Text.Length).ToArray();
        _shortFinder = ShortFinder(_short);
        MaxLength = patterns.Count == 0 ? 0 : patterns.Values.Max(p => p.Text.Length);
        _step = extensible || _long.Length == 0 ? MinimumStep : _long.Min(p => p.Text.Length) - Gram + 1;
        _candidates = new Candidate[Math.Max(16, _long.Length * _step)];
        _heads = new Dictionary<ulong, int>(_long.Length * _step);
        (_bits, _shift) = Bitmap(_long.Length * _step);
        for (var p = 0; p < _long.Length; p++)
        {
            Index(p);
        }
    }

    private RedactionTier(RedactionTier previous, IReadOnlyList<RedactionEntry> entries, RedactionPattern[] added)
    {
        Entries = entries;
        _step = previous._step;
        var adding = added.Where(p => p.Text.Length >= LongLength).ToArray();
        _longCount = previous._longCount + adding.Length;
        _long = Grow(previous._long, previous._longCount, _longCount);
        adding.CopyTo(_long, previous._longCount);
        _candidates = Grow(previous._candidates, previous._candidateCount, _longCount * _step);
        _candidateCount = previous._candidateCount;
        _heads = new Dictionary<ulong, int>(previous._heads);
        var addingShort = added.Where(p => p.Text.Length < LongLength).ToArray();
        _short = addingShort.Length == 0 ? previous._short : [.. previous._short.Concat(addingShort).OrderByDescending(p => p.Text.Length)];
        _shortFinder = addingShort.Length == 0 ? previous._shortFinder : ShortFinder(_short);
        MaxLength = Math.Max(previous.MaxLength, added.Length == 0 ? 0 : added.Max(p => p.Text.Length));
        if ((long)_longCount * _step * 12 <= previous._bits.Length * 64L)
        {
            // Shared too: a bit set for a new form only sends the previous tier to a table lookup that finds nothing.
            _bits = previous._bits;
            _shift = previous._shift;
            for (var p = previous._longCount; p < _longCount; p++)
            {
                Index(p);
            }
        }
        else
        {
            // Twice the forms the bitmap was sized for: a new bitmap from every candidate (amortised by doubling).
            (_bits, _shift) = Bitmap(_longCount * _step * 2);
            for (var c = 0; c < _candidateCount; c++)
            {
                SetBit(Gram4(_long[_candidates[c].Pattern].Text, _candidates[c].Offset));
            }

            for (var p = previous._longCount; p < _longCount; p++)
            {
                Index(p);
            }
        }
    }

    /// <summary>An empty tier.</summary>
    public static RedactionTier Empty { get; } = new([], extensible: true);

    /// <summary>The entries indexed (released ones included until the next rebuild).</summary>
    public IReadOnlyList<RedactionEntry> Entries { get; }

    public int MaxLength { get; }

    /// <summary>A tier with <paramref name="added"/> indexed too, in time linear in this tier's size (a copy) plus the new forms.</summary>
    public RedactionTier Extend(IReadOnlyList<RedactionEntry> added)
    {
        if (_step != MinimumStep || _longCount == 0)
        {
            return new RedactionTier([.. Entries, .. added], extensible: true);
        }

        return new RedactionTier(this, [.. Entries, .. added], added.SelectMany(e => e.Patterns()).ToArray());
    }

    /// <summary>How far apart the sampled positions are (a match is found from a sample within its first this many characters).</summary>
    public int Step => _step;

    /// <summary>Adds every hit in <paramref name="text"/> to <paramref name="hits"/> (allocated on the first hit).</summary>
    public void Find(ReadOnlySpan<char> text, ref List<RedactionHit>? hits) => Find(text, 0, text.Length, ref hits);

    /// <summary>Adds every hit of <paramref name="text"/> that starts in [<paramref name="from"/>, <paramref name="to"/>) to <paramref name="hits"/>.</summary>
    public void Find(ReadOnlySpan<char> text, int from, int to, ref List<RedactionHit>? hits)
    {
        if (_longCount > 0)
        {
            FindLong(text, from, to, ref hits);
        }

        if (_shortFinder is not null)
        {
            FindShort(text, from, to, ref hits);
        }
    }

    private void Index(int p)
    {
        for (var j = 0; j < _step; j++)
        {
            var gram = Gram4(_long[p].Text, j);
            SetBit(gram);
            var c = _candidateCount++;
            var text = _long[p].Text;
            var second = j + (2 * Gram) <= text.Length ? j + Gram : text.Length - Gram;
            _candidates[c] = new Candidate(p, j, _heads.TryGetValue(gram, out var head) ? head : -1, text.Length, second, Gram4(text, second));
            _heads[gram] = c;
        }
    }

    private void SetBit(ulong gram)
    {
        var (word, mask) = Filter(gram, _shift);
        _bits[word] |= mask;
    }

    private void FindLong(ReadOnlySpan<char> text, int from, int to, ref List<RedactionHit>? hits)
    {
        var bits = _bits;
        var last = Math.Min(to + _step - 1, text.Length - Gram);
        for (var p = from; p <= last; p += _step)
        {
            var gram = Read(text[p..]) & Fold;
            var (word, mask) = Filter(gram, _shift);
            if ((bits[word] & mask) != mask || !_heads.TryGetValue(gram, out var c))
            {
                continue;
            }

            // A second gram, kept in the candidate, rejects most candidates without touching the pattern.
            for (; c >= 0; c = _candidates[c].Next)
            {
                ref readonly var candidate = ref _candidates[c];
                var start = p - candidate.Offset;
                if (start >= from && start < to && start + candidate.Length <= text.Length
                    && (Read(text[(start + candidate.SecondOffset)..]) & Fold) == candidate.Second
                    && Matches(text, start, _long[candidate.Pattern]))
                {
                    Add(text, start, _long[candidate.Pattern], ref hits);
                }
            }
        }
    }

    private void FindShort(ReadOnlySpan<char> text, int from, int to, ref List<RedactionHit>? hits)
    {
        var position = from;
        while (position < to)
        {
            var found = text[position..Math.Min(text.Length, to + LongLength)].IndexOfAny(_shortFinder!);
            if (found < 0)
            {
                return;
            }

            var at = position + found;
            if (at >= to)
            {
                return;
            }

            foreach (var pattern in _short)
            {
                if (at + pattern.Text.Length <= text.Length && Matches(text, at, pattern))
                {
                    Add(text, at, pattern, ref hits);
                }
            }

            position = at + 1;
        }
    }

    private static void Add(ReadOnlySpan<char> text, int start, RedactionPattern pattern, ref List<RedactionHit>? hits)
    {
        var end = start + pattern.Text.Length;
        if (pattern.Base64)
        {
            // The rest of the last group (at most three characters) and its padding also encode the value's last bytes.
            var limit = Math.Min(text.Length, end + 3);
            while (end < limit && Base64Alphabet.Contains(text[end]))
            {
                end++;
            }

            while (end < text.Length && end < start + pattern.Text.Length + 5 && text[end] == '=')
            {
                end++;
            }
        }

        (hits ??= []).Add(new RedactionHit(start, end, pattern.Entry.Name));
    }

    private static bool Matches(ReadOnlySpan<char> text, int start, RedactionPattern pattern)
    {
        var slice = text.Slice(start, pattern.Text.Length);
        var equal = pattern.IgnoreCase ? slice.Equals(pattern.Text, StringComparison.OrdinalIgnoreCase) : slice.SequenceEqual(pattern.Text);
        return equal && !pattern.Entry.Released && (!pattern.TokenOnly || IsToken(text, start, pattern.Text.Length));
    }

    private static bool IsToken(ReadOnlySpan<char> text, int start, int length) =>
        (start == 0 || !char.IsLetterOrDigit(text[start - 1])) && (start + length >= text.Length || !char.IsLetterOrDigit(text[start + length]));

    private static SearchValues<string>? ShortFinder(RedactionPattern[] patterns) =>
        patterns.Length == 0 ? null : SearchValues.Create(patterns.Select(p => p.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);

    /// <summary>About 12 bits per candidate gram (a 1-2% false-positive rate), at least 4,096; small enough to stay in cache.</summary>
    private static (ulong[] Bits, int Shift) Bitmap(int candidates)
    {
        var words = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, candidates * 12 / 64));
        return (new ulong[words], 64 - BitOperations.Log2((uint)words));
    }

    private static T[] Grow<T>(T[] array, int used, int needed)
    {
        // Shared with the previous tier when there is room: it never reads past its own count.
        if (needed <= array.Length)
        {
            return array;
        }

        var grown = new T[Math.Max(needed, array.Length * 2)];
        Array.Copy(array, grown, used);
        return grown;
    }

    private static ulong Gram4(string text, int offset) => Read(text.AsSpan(offset)) & Fold;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ReadOnlySpan<char> text) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(text)));

    /// <summary>A blocked Bloom filter: two bits of one word per gram, so a lookup touches one cache line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Word, ulong Mask) Filter(ulong gram, int shift)
    {
        var hash = gram * 0x9E37_79B9_7F4A_7C15UL;
        return ((int)(hash >> shift), (1UL << (int)(hash & 63)) | (1UL << (int)((hash >> 6) & 63)));
    }

    /// <summary>A form (index into the long forms) with the gram at <see cref="Offset"/>; the next candidate with the same gram; and a second gram of the form, for a cheap first check.</summary>
    private readonly record struct Candidate(int Pattern, int Offset, int Next, int Length, int SecondOffset, ulong Second);
}
