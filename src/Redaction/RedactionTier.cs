using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// An immutable group of secrets and all their forms, indexed for one pass over a text. Forms of at least
/// <see cref="LongLength"/> characters are found by sampling: every occurrence of a form of length L ≥ m covers
/// one of the text positions p ≡ 0 (mod m - 3) at pattern offset j ≤ m - 4, so only those positions are looked up,
/// by their four characters (case-folded), in a bitmap and then a table of (pattern, offset) candidates. Building
/// is linear in the total length of the forms; shorter forms (short values) go to one <see cref="SearchValues{T}"/>.
/// </summary>
internal sealed class RedactionTier
{
    /// <summary>Forms at least this long are found by sampling.</summary>
    public const int LongLength = 8;

    private const int Gram = 4;
    private const ulong Fold = 0xFFDF_FFDF_FFDF_FFDF;

    public static readonly RedactionTier Empty = new([]);

    private readonly RedactionPattern[] _long;
    private readonly Candidate[] _candidates;
    private readonly Dictionary<ulong, int> _heads;
    private readonly ulong[] _bits;
    private readonly int _shift;
    private readonly int _step;
    private readonly RedactionPattern[] _short;
    private readonly SearchValues<string>? _shortFinder;

    public RedactionTier(IReadOnlyList<RedactionEntry> entries)
    {
        Entries = entries;
        var patterns = new Dictionary<(string, bool), RedactionPattern>();
        foreach (var pattern in entries.SelectMany(e => e.Patterns()))
        {
            patterns.TryAdd((pattern.Text, pattern.IgnoreCase), pattern);
        }

        _long = patterns.Values.Where(p => p.Text.Length >= LongLength).ToArray();
        _short = patterns.Values.Where(p => p.Text.Length < LongLength).OrderByDescending(p => p.Text.Length).ToArray();
        _shortFinder = _short.Length == 0 ? null : SearchValues.Create(_short.Select(p => p.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);
        MaxLength = patterns.Count == 0 ? 0 : patterns.Values.Max(p => p.Text.Length);

        var minimum = _long.Length == 0 ? LongLength : _long.Min(p => p.Text.Length);
        _step = minimum - Gram + 1;
        var total = _long.Length * _step;
        var bitCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4096, total * 16));
        _bits = new ulong[bitCount / 64];
        _shift = 64 - BitOperations.Log2((uint)bitCount);
        _candidates = new Candidate[total];
        _heads = new Dictionary<ulong, int>(total);
        var next = 0;
        for (var p = 0; p < _long.Length; p++)
        {
            for (var j = 0; j < _step; j++)
            {
                var gram = Read(_long[p].Text.AsSpan(j)) & Fold;
                var bit = Hash(gram);
                _bits[bit >> 6] |= 1UL << (bit & 63);
                _candidates[next] = new Candidate(p, j, _heads.TryGetValue(gram, out var head) ? head : -1);
                _heads[gram] = next++;
            }
        }
    }

    public IReadOnlyList<RedactionEntry> Entries { get; }

    public int MaxLength { get; }

    /// <summary>Adds every hit in <paramref name="text"/> to <paramref name="hits"/> (allocated on the first hit).</summary>
    public void Find(ReadOnlySpan<char> text, ref List<RedactionHit>? hits)
    {
        if (_long.Length > 0)
        {
            FindLong(text, ref hits);
        }

        if (_shortFinder is not null)
        {
            FindShort(text, ref hits);
        }
    }

    private void FindLong(ReadOnlySpan<char> text, ref List<RedactionHit>? hits)
    {
        var bits = _bits;
        for (var p = 0; p + Gram <= text.Length; p += _step)
        {
            var gram = Read(text[p..]) & Fold;
            var bit = Hash(gram);
            if ((bits[bit >> 6] & (1UL << (bit & 63))) == 0 || !_heads.TryGetValue(gram, out var c))
            {
                continue;
            }

            for (; c >= 0; c = _candidates[c].Next)
            {
                var candidate = _candidates[c];
                var pattern = _long[candidate.Pattern];
                var start = p - candidate.Offset;
                if (start >= 0 && start + pattern.Text.Length <= text.Length && Matches(text, start, pattern))
                {
                    (hits ??= []).Add(new RedactionHit(start, start + pattern.Text.Length, pattern.Name));
                }
            }
        }
    }

    private void FindShort(ReadOnlySpan<char> text, ref List<RedactionHit>? hits)
    {
        var position = 0;
        while (position < text.Length)
        {
            var found = text[position..].IndexOfAny(_shortFinder!);
            if (found < 0)
            {
                return;
            }

            var at = position + found;
            foreach (var pattern in _short)
            {
                if (at + pattern.Text.Length <= text.Length && Matches(text, at, pattern))
                {
                    (hits ??= []).Add(new RedactionHit(at, at + pattern.Text.Length, pattern.Name));
                }
            }

            position = at + 1;
        }
    }

    private static bool Matches(ReadOnlySpan<char> text, int start, RedactionPattern pattern)
    {
        var slice = text.Slice(start, pattern.Text.Length);
        var equal = pattern.IgnoreCase ? slice.Equals(pattern.Text, StringComparison.OrdinalIgnoreCase) : slice.SequenceEqual(pattern.Text);
        return equal && (!pattern.TokenOnly || IsToken(text, start, pattern.Text.Length));
    }

    private static bool IsToken(ReadOnlySpan<char> text, int start, int length) =>
        (start == 0 || !char.IsLetterOrDigit(text[start - 1])) && (start + length >= text.Length || !char.IsLetterOrDigit(text[start + length]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ReadOnlySpan<char> text) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(text)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(ulong gram) => (int)((gram * 0x9E37_79B9_7F4A_7C15UL) >> _shift);

    private readonly record struct Candidate(int Pattern, int Offset, int Next);
}
