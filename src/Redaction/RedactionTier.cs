using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// An immutable group of secrets and all their forms, indexed for one pass over a text. Forms of at least
/// <see cref="LongLength"/> characters are found by sampling (<see cref="SampledIndex"/>): every occurrence of a
/// form of length L ≥ m covers one of the text positions p ≡ 0 (mod m - 3) at a pattern offset j ≤ m - 4, so only
/// those positions are looked up, by their eight characters (case-folded), in a Bloom filter and then a chain of
/// (pattern, offset) candidates. Building is linear in the total length of the forms, and <see cref="Extend"/>
/// copies the index and adds only the new forms. Shorter forms (short values) go to one <see cref="SearchValues{T}"/>.
/// </summary>
internal sealed class RedactionTier
{
    /// <summary>Forms at least this long are found by sampling.</summary>
    public const int LongLength = 8;

    private const int Gram = 4;
    private const int MinimumStep = LongLength - Gram + 1;
    private const int ReachTable = 256;

    /// <summary>The reach table's slot past Latin-1, for <see cref="Views.DecodedView.Separator"/>.</summary>
    private const int SeparatorSlot = ReachTable;
    private const ulong Fold = 0xFFDF_FFDF_FFDF_FFDF;
    private const ulong NonAscii = 0xFF80_FF80_FF80_FF80;
    private const ulong PairMultiplier = 0x9E37_79B9_7F4A_7C15UL;
    private const ulong NextMultiplier = 0xC2B2_AE3D_27D4_EB4FUL;
    private const int NextRotation = 29;

    /// <summary>Bits per candidate of the pair filter, before rounding up to a power of two (1,000 values: 256 KB, about 40 bits a distinct key).</summary>
    private const int PairBitsPerKey = 12;

    /// <summary>
    /// Bits per candidate of the one-gram filter: four times the pair filter's, as a one-gram key is looked up at every
    /// sampled position and tail candidates are few (only forms shorter than the step plus seven have them).
    /// </summary>
    private const int TailBitsPerKey = 48;
    private const ulong GramMultiplier = 0xD6E8_FEB8_6659_FD93UL;

    private static readonly SearchValues<char> Base64Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_");

    private readonly SampledIndex _index;
    private readonly int[] _reach;
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

        var longForms = patterns.Values.Where(p => p.Text.Length >= LongLength).ToArray();
        _short = patterns.Values.Where(p => p.Text.Length < LongLength).OrderByDescending(p => p.Text.Length).ToArray();
        _shortFinder = ShortFinder(_short);
        MaxLength = patterns.Count == 0 ? 0 : patterns.Values.Max(p => p.Text.Length);
        SpansLines = patterns.Values.Any(SpansLinesOrTokens);
        _index = new SampledIndex(longForms, extensible || longForms.Length == 0 ? MinimumStep : longForms.Min(p => p.Text.Length) - Gram + 1);
        _reach = ReachTableOf(patterns.Values, null);
    }

    private RedactionTier(RedactionTier previous, IReadOnlyList<RedactionEntry> entries, RedactionPattern[] added)
    {
        Entries = entries;
        _index = previous._index.Extend(added.Where(p => p.Text.Length >= LongLength).ToArray());
        _reach = ReachTableOf(added, previous._reach);
        var addingShort = added.Where(p => p.Text.Length < LongLength).ToArray();
        _short = addingShort.Length == 0 ? previous._short : [.. previous._short.Concat(addingShort).OrderByDescending(p => p.Text.Length)];
        _shortFinder = addingShort.Length == 0 ? previous._shortFinder : ShortFinder(_short);
        MaxLength = Math.Max(previous.MaxLength, added.Length == 0 ? 0 : added.Max(p => p.Text.Length));
        SpansLines = previous.SpansLines || added.Any(SpansLinesOrTokens);
    }

    /// <summary>
    /// Whether the sampled index hashes eight positions at once: 64-bit lanes multiplied, rotated and shifted by
    /// AVX-512 (F and DQ), the text and the filter words gathered by AVX2. Elsewhere it samples one position at a time.
    /// </summary>
    public static bool VectorSearch { get; } = Avx512F.IsSupported && Avx512DQ.IsSupported && Avx2.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>An empty tier.</summary>
    public static RedactionTier Empty { get; } = new([], extensible: true);

    /// <summary>The entries indexed (released ones included until the next rebuild).</summary>
    public IReadOnlyList<RedactionEntry> Entries { get; }

    public int MaxLength { get; }

    /// <summary>
    /// Whether a form holds a line break or must stand as a whole token: only such a form can match in a joined
    /// Base64 block's source and not in its joined view (see <see cref="Views.Base64LineJoiner"/>).
    /// </summary>
    public bool SpansLines { get; }

    /// <summary>
    /// The length of the longest form that holds <paramref name="c"/> in any case the form matches in (for a character
    /// beyond Latin-1 other than <see cref="Views.DecodedView.Separator"/>, the longest form): a match that holds a
    /// character decoded at a position starts at most this many characters before it. The separator is kept exactly
    /// (0 unless a form holds it), as a view has one per decoded piece and a match never holds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Reach(char c) => Reach(_reach, c, MaxLength);

    /// <summary><see cref="Reach(char)"/> in a reach table (this tier's, or several merged by <see cref="MergeReach"/>) whose longest form is <paramref name="maxLength"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Reach(int[] reach, char c, int maxLength)
    {
        // Unchecked: every reach table has a slot for each Latin-1 character and one past them for the separator.
        var slot = ReachSlot(c);
        return slot < 0 ? maxLength : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(reach), slot);
    }

    /// <summary>
    /// The slot of <paramref name="c"/> in a reach table: its own for a Latin-1 character, <see cref="SeparatorSlot"/>
    /// for the separator, -1 for any other (whose reach is the longest form's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReachSlot(char c) => c < ReachTable ? c : c == Views.DecodedView.Separator ? SeparatorSlot : -1;

    /// <summary>One reach table for several tiers: for each character, the longest form of any of them that holds it.</summary>
    public static int[] MergeReach(ReadOnlySpan<RedactionTier> tiers)
    {
        var merged = new int[SeparatorSlot + 1];
        foreach (var tier in tiers)
        {
            for (var i = 0; i < merged.Length; i++)
            {
                merged[i] = Math.Max(merged[i], tier._reach[i]);
            }
        }

        return merged;
    }

    /// <summary>A tier with <paramref name="added"/> indexed too, in time linear in this tier's size (a copy) plus the new forms.</summary>
    public RedactionTier Extend(IReadOnlyList<RedactionEntry> added)
    {
        if (_index.Step != MinimumStep || _index.Count == 0)
        {
            return new RedactionTier([.. Entries, .. added], extensible: true);
        }

        return new RedactionTier(this, [.. Entries, .. added], added.SelectMany(e => e.Patterns()).ToArray());
    }

    /// <summary>Adds every hit in <paramref name="text"/> to <paramref name="hits"/> (allocated on the first hit).</summary>
    public void Find(ReadOnlySpan<char> text, ref List<RedactionHit>? hits) => Find(text, 0, text.Length, ref hits);

    /// <summary>Adds every hit of <paramref name="text"/> that starts in [<paramref name="from"/>, <paramref name="to"/>) to <paramref name="hits"/>.</summary>
    public void Find(ReadOnlySpan<char> text, int from, int to, ref List<RedactionHit>? hits) => Find(text, from, to, vectors: true, ref hits);

    /// <summary>
    /// <see cref="Find(ReadOnlySpan{char}, int, int, ref List{RedactionHit}?)"/>, with <paramref name="vectors"/> false
    /// keeping the sampled index to its scalar loop even where <see cref="VectorSearch"/> holds (tests compare the two).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Find(ReadOnlySpan<char> text, int from, int to, bool vectors, ref List<RedactionHit>? hits)
    {
        if (_index.Count > 0)
        {
            _index.Find(text, from, to, vectors, ref hits);
        }

        if (_shortFinder is not null)
        {
            FindShort(text, from, to, ref hits);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                if (at + pattern.Text.Length <= text.Length && Matches(text, at, pattern.Text, pattern.Entry, pattern.TokenOnly, pattern.IgnoreCase))
                {
                    Add(text, at, pattern.Text.Length, pattern.Base64, pattern.Entry, ref hits);
                }
            }

            position = at + 1;
        }
    }

    // This and FoldedSlow are called from the search loops but not inlined into them: compiled fully optimised at their
    // first call, like those loops, rather than tiered over a stream's first megabytes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(ReadOnlySpan<char> text, int start, int length, bool base64, RedactionEntry entry, ref List<RedactionHit>? hits)
    {
        var end = start + length;
        if (base64)
        {
            // The rest of the last group (at most three characters) and its padding also encode the value's last bytes.
            var limit = Math.Min(text.Length, end + 3);
            while (end < limit && Base64Alphabet.Contains(text[end]))
            {
                end++;
            }

            while (end < text.Length && end < start + length + 5 && text[end] == '=')
            {
                end++;
            }
        }

        (hits ??= []).Add(new RedactionHit(start, end, entry.Name));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Matches(ReadOnlySpan<char> text, int start, string form, RedactionEntry entry, bool tokenOnly, bool ignoreCase)
    {
        var slice = text.Slice(start, form.Length);
        var equal = ignoreCase ? slice.Equals(form, StringComparison.OrdinalIgnoreCase) : slice.SequenceEqual(form);
        return equal && !entry.Released && (!tokenOnly || IsToken(text, start, form.Length));
    }

    private static bool IsToken(ReadOnlySpan<char> text, int start, int length) =>
        (start == 0 || !char.IsLetterOrDigit(text[start - 1])) && (start + length >= text.Length || !char.IsLetterOrDigit(text[start + length]));

    private static bool SpansLinesOrTokens(RedactionPattern pattern) => pattern.TokenOnly || pattern.Text.AsSpan().ContainsAny('\n', '\r');

    private static SearchValues<string>? ShortFinder(RedactionPattern[] patterns) =>
        patterns.Length == 0 ? null : SearchValues.Create(patterns.Select(p => p.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);

    private static int[] ReachTableOf(IEnumerable<RedactionPattern> patterns, int[]? previous)
    {
        var reach = previous is null ? new int[SeparatorSlot + 1] : (int[])previous.Clone();
        foreach (var pattern in patterns)
        {
            var length = pattern.Text.Length;
            foreach (var c in pattern.Text)
            {
                Raise(reach, c, length);
                if (c < 0x80)
                {
                    // ASCII letters change case in one bit, and no other character folds to one of them from below 256.
                    if (pattern.IgnoreCase && char.IsAsciiLetter(c))
                    {
                        Raise(reach, (char)(c ^ 0x20), length);
                    }
                }
                else if (pattern.IgnoreCase)
                {
                    var upper = char.ToUpperInvariant(c);
                    var lower = char.ToLowerInvariant(c);
                    Raise(reach, upper, length);
                    Raise(reach, lower, length);
                    Raise(reach, char.ToLowerInvariant(upper), length);
                    Raise(reach, char.ToUpperInvariant(lower), length);
                }
            }
        }

        return reach;
    }

    private static void Raise(int[] reach, char c, int length)
    {
        // No other character is the separator in any case, so its slot is raised by forms that hold it alone.
        var slot = ReachSlot(c);
        if (slot >= 0 && reach[slot] < length)
        {
            reach[slot] = length;
        }
    }

    private static ulong Gram4(string text, int offset) => Folded(text, offset);

    /// <summary>
    /// The four characters at <paramref name="at"/>, case-folded: ASCII by clearing the case bit, any other letter
    /// by its invariant upper case (which is what <see cref="StringComparison.OrdinalIgnoreCase"/> compares), a
    /// surrogate pair by its code point's, so the key of a gram is the same in every case the exact compare accepts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Folded(ReadOnlySpan<char> text, int at)
    {
        var gram = Read(text[at..]);
        return (gram & NonAscii) == 0 ? gram & Fold : FoldedSlow(text, at);
    }

    /// <summary><see cref="Folded"/> without a bounds check, for the hot loops: the caller proves <paramref name="at"/> + 4 ≤ the text's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FoldedAt(ref char first, ReadOnlySpan<char> text, int at)
    {
        var gram = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref first, at)));
        return (gram & NonAscii) == 0 ? gram & Fold : FoldedSlow(text, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong FoldedSlow(ReadOnlySpan<char> text, int at)
    {
        ulong key = 0;
        for (var k = 0; k < Gram; k++)
        {
            key |= (ulong)FoldChar(text, at + k) << (16 * k);
        }

        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static char FoldChar(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        if (c < 0x80)
        {
            return (char)(c & 0xFFDF);
        }

        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            return (char)(0xD800 + ((Rune.ToUpperInvariant(new Rune(c, text[i + 1])).Value - 0x10000) >> 10));
        }

        if (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))
        {
            return (char)(0xDC00 + ((Rune.ToUpperInvariant(new Rune(text[i - 1], c)).Value - 0x10000) & 0x3FF));
        }

        return char.ToUpperInvariant(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ReadOnlySpan<char> text) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(text)));

    /// <summary>
    /// A blocked Bloom filter over hashed keys: the top bits choose a word and the next eighteen three bits of it, so a
    /// lookup touches one cache line. Three bits rather than two: each position that passes for nothing costs a head
    /// table lookup (a cache miss), and with two bits those were most of the lookups (a word holds about five bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Word, ulong Mask) Filter(ulong hash, int shift) =>
        ((int)(hash >> shift), (1UL << (int)((hash >> (shift - 6)) & 63)) | (1UL << (int)((hash >> (shift - 12)) & 63)) | (1UL << (int)((hash >> (shift - 18)) & 63)));

    /// <summary>The key of a candidate whose gram at the sampled position and the gram after it are both known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PairKey(ulong gram, ulong next) => (gram * PairMultiplier) ^ BitOperations.RotateLeft(next * NextMultiplier, NextRotation);

    /// <summary>The key of a candidate near the end of its form, where only the gram at the sampled position is known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong GramKey(ulong gram) => gram * GramMultiplier;

    /// <summary>
    /// At least <paramref name="bitsPerKey"/> bits per key (<see cref="PairBitsPerKey"/>, <see cref="TailBitsPerKey"/>),
    /// at least 4,096; small enough to stay in cache.
    /// </summary>
    private static (ulong[] Bits, int Shift) Bitmap(int keys, int bitsPerKey)
    {
        var words = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, (int)Math.Min(1 << 30, (long)keys * bitsPerKey / 64)));
        return (new ulong[words], 64 - BitOperations.Log2((uint)words));
    }

    /// <summary>
    /// Long forms sampled every <see cref="Step"/> characters: a form of length L ≥ Step + 3 holds, at one of its
    /// first Step offsets, a sampled position. A candidate is kept per form and offset, keyed by the gram there and
    /// the gram after it (forms share prefixes, such as <c>sk_live_</c> or <c>postgres://</c>, so one gram alone
    /// would chain hundreds of candidates), or, where the form ends before a second gram, by the one gram.
    /// </summary>
    private sealed class SampledIndex
    {
        private readonly LongForm[] _long;
        private readonly Candidate[] _candidates;
        private readonly HeadTable _heads;
        private readonly HeadTable _tailHeads;
        private readonly ulong[] _bits;
        private readonly int _shift;
        private readonly ulong[] _tailBits;
        private readonly int _tailShift;
        private int _candidateCount;
        private bool _extended;

        public SampledIndex(RedactionPattern[] patterns, int step)
        {
            Step = step;
            _long = Array.ConvertAll(patterns, LongForm.Of);
            Count = patterns.Length;
            _candidates = new Candidate[Math.Max(16, Count * Step)];
            var tails = Tails(patterns, Step);
            _heads = new HeadTable(Count * Step);
            _tailHeads = new HeadTable(tails);
            (_bits, _shift) = Bitmap(Count * Step, PairBitsPerKey);
            (_tailBits, _tailShift) = Bitmap(tails, TailBitsPerKey);
            for (var p = 0; p < Count; p++)
            {
                Index(p);
            }

            // Built as linked chains, then copied so each chain is a run of the array: a walk reads adjacent memory.
            // Nothing reads this index yet, so the copy needs no care for readers.
            var laidOut = new Candidate[_candidates.Length];
            var next = 0;
            _heads.LayOut(_candidates, laidOut, ref next);
            _tailHeads.LayOut(_candidates, laidOut, ref next);
            _candidates = laidOut;
        }

        private SampledIndex(SampledIndex previous, RedactionPattern[] adding)
        {
            Step = previous.Step;
            Count = previous.Count + adding.Length;
            _candidateCount = previous._candidateCount;
            var tails = previous._tailHeads.Count + Tails(adding, Step);
            if (Count <= previous._long.Length && Count * Step <= previous._candidates.Length && Count * Step <= previous._heads.Capacity
                && tails <= previous._tailHeads.Capacity && (long)Count * Step * PairBitsPerKey <= previous._bits.Length * 64L && (long)tails * TailBitsPerKey <= previous._tailBits.Length * 64L)
            {
                // Room for the new forms: every structure is shared and the new forms are written past what the previous
                // index reads. A reader of the previous index may still follow a new chain head to a new candidate, fully
                // written before its head was published, and at worst masks a value added a moment ago.
                (_long, _candidates, _heads, _tailHeads) = (previous._long, previous._candidates, previous._heads, previous._tailHeads);
                (_bits, _shift, _tailBits, _tailShift) = (previous._bits, previous._shift, previous._tailBits, previous._tailShift);
            }
            else
            {
                // Out of room: everything twice as large, copied (amortised by doubling), so an addition is linear in its own forms.
                _long = new LongForm[Count * 2];
                Array.Copy(previous._long, _long, previous.Count);
                _candidates = new Candidate[Count * Step * 2];
                Array.Copy(previous._candidates, _candidates, _candidateCount);
                _heads = previous._heads.CopyWith(Count * Step * 2);
                _tailHeads = previous._tailHeads.CopyWith(tails * 2);
                (_bits, _shift) = Bitmap(Count * Step * 2, PairBitsPerKey);
                (_tailBits, _tailShift) = Bitmap(tails * 2, TailBitsPerKey);
                for (var c = 0; c < _candidateCount; c++)
                {
                    SetBits(_long[_candidates[c].Pattern].Text, _candidates[c].Offset);
                }
            }

            for (var i = 0; i < adding.Length; i++)
            {
                _long[previous.Count + i] = LongForm.Of(adding[i]);
            }
            for (var p = previous.Count; p < Count; p++)
            {
                Index(p);
            }
        }

        /// <summary>How far apart the sampled positions are (a match is found from a sample within its first this many characters).</summary>
        public int Step { get; }

        /// <summary>How many forms are indexed.</summary>
        public int Count { get; }

        /// <summary>This index with <paramref name="adding"/> (none shorter than <see cref="Step"/> + 3) indexed too; an index is extended at most once, as the new one may share its structures.</summary>
        public SampledIndex Extend(RedactionPattern[] adding)
        {
            if (adding.Length == 0)
            {
                return this;
            }

            if (_extended)
            {
                throw new InvalidOperationException("a sampled index was extended twice; extend only the newest one");
            }

            _extended = true;
            return new SampledIndex(this, adding);
        }

        /// <summary>Adds the hits that start in [<paramref name="from"/>, <paramref name="to"/>); <paramref name="vectors"/> false keeps to the scalar loop (tests compare both).</summary>
        [SkipLocalsInit] // The pending buffers are written before they are read.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Find(ReadOnlySpan<char> text, int from, int to, bool vectors, ref List<RedactionHit>? hits)
        {
            var step = Step;
            var last = Math.Min(to + step - 1, text.Length - Gram);
            var p = from;
            var pending = new Pending(stackalloc Pass[Pending.Capacity], stackalloc int[Pending.Capacity], stackalloc int[Pending.Capacity]);
            if (vectors && VectorSearch)
            {
                // Blocks of eight sampled positions whose last one still has both its grams in the text and is at most last.
                var lastBlock = Math.Min(last, text.Length - (2 * Gram)) - (7 * step);
                if (p <= lastBlock)
                {
                    p = FindBlocks(text, from, to, lastBlock, ref pending, ref hits);
                }
            }

            FindScalar(text, from, to, p, last, ref pending, ref hits);
            Flush(text, from, to, ref pending, ref hits);
        }

        /// <summary>
        /// Keeps a sampled position whose key passed a Bloom filter, to be looked up with the others of its batch, and
        /// starts loading its head table slot now (see <see cref="Pending"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Defer(ReadOnlySpan<char> text, int from, int to, int position, ulong key, bool tail, ref Pending pending, ref List<RedactionHit>? hits)
        {
            if (pending.Count == Pending.Capacity)
            {
                Flush(text, from, to, ref pending, ref hits);
            }

            pending.Passes[pending.Count++] = new Pass(position, key, tail);
            (tail ? _tailHeads : _heads).Prefetch(key);
        }

        /// <summary>
        /// Looks up the pending positions in the head tables and walks their chains, in the order the positions were found
        /// (pair, then tail, position by position, as the scalar loop takes them), so the hits come in the same order as
        /// with one walk per position. Before the walks, two passes over the batch only start loads: the chains' first
        /// candidates, then, for the candidates that pass their check gram (nearly all of them hits), their forms' entries
        /// in the index's array, and then each such form's text and entry. Without them a hit waited for one cache miss
        /// after another (head slot, candidate, form, text and entry); with them the misses of a batch overlap.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Flush(ReadOnlySpan<char> text, int from, int to, ref Pending pending, ref List<RedactionHit>? hits)
        {
            var count = pending.Count;
            pending.Count = 0;
            for (var i = 0; i < count; i++)
            {
                var pass = pending.Passes[i];
                var head = (pass.Tail ? _tailHeads : _heads).TryGet(pass.Key, out var c) ? c : -1;
                pending.Heads[i] = head;
                if (head >= 0)
                {
                    Prefetch(ref _candidates[head]);
                }
            }

            // At most a batch's worth of forms is loaded ahead; the walks below check every candidate whatever was loaded.
            var verified = 0;
            ref var first = ref MemoryMarshal.GetReference(text);
            for (var i = 0; i < count; i++)
            {
                var p = pending.Passes[i].Position;
                for (var c = pending.Heads[i]; c >= 0 && verified < Pending.Capacity; c = _candidates[c].Next)
                {
                    ref readonly var candidate = ref _candidates[c];
                    if (PassesCheck(ref first, text, from, to, p, candidate, out _))
                    {
                        pending.Forms[verified++] = candidate.Pattern;
                        Prefetch(ref _long[candidate.Pattern]);
                    }
                }
            }

            for (var i = 0; i < verified; i++)
            {
                ref readonly var form = ref _long[pending.Forms[i]];
                PrefetchObject(form.Entry);
                ref var chars = ref MemoryMarshal.GetReference(form.Text.AsSpan());
                for (var offset = 0; offset < form.Text.Length; offset += 32)
                {
                    Prefetch(ref Unsafe.Add(ref chars, offset));
                }
            }

            for (var i = 0; i < count; i++)
            {
                var head = pending.Heads[i];
                if (head >= 0)
                {
                    Walk(text, from, to, pending.Passes[i].Position, head, ref hits);
                }
            }
        }

        /// <summary>The sampled positions from <paramref name="start"/> to <paramref name="last"/> (at most the text's length less a gram), one at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FindScalar(ReadOnlySpan<char> text, int from, int to, int start, int last, ref Pending pending, ref List<RedactionHit>? hits)
        {
            // Unchecked reads: p + 4 <= text.Length for every p up to last, and p + 8 <= text.Length up to lastPair; a
            // filter word is hash >> shift, below the filter's length (a power of two, 1 << (64 - shift)).
            ref var first = ref MemoryMarshal.GetReference(text);
            ref var bits = ref MemoryMarshal.GetArrayDataReference(_bits);
            ref var tailBits = ref MemoryMarshal.GetArrayDataReference(_tailBits);
            var shift = _shift;
            var tailShift = _tailShift;
            var step = Step;
            var lastPair = text.Length - (2 * Gram);
            var tails = _tailHeads.Count > 0;
            for (var p = start; p <= last; p += step)
            {
                var gram = FoldedAt(ref first, text, p);
                if (p <= lastPair)
                {
                    var key = PairKey(gram, FoldedAt(ref first, text, p + Gram));
                    var (word, mask) = Filter(key, shift);
                    if ((Unsafe.Add(ref bits, word) & mask) == mask)
                    {
                        Defer(text, from, to, p, key, tail: false, ref pending, ref hits);
                    }
                }

                if (tails)
                {
                    var key = GramKey(gram);
                    var (word, mask) = Filter(key, tailShift);
                    if ((Unsafe.Add(ref tailBits, word) & mask) == mask)
                    {
                        Defer(text, from, to, p, key, tail: true, ref pending, ref hits);
                    }
                }
            }
        }

        /// <summary>
        /// The sampled positions from <paramref name="from"/> on, eight at a time while a block's first position is at
        /// most <paramref name="lastBlock"/>: their grams gathered into one vector each, folded, hashed and looked up in
        /// both Bloom filters at once, so only the positions that pass go on to the head tables, one by one and in the
        /// same order as <see cref="FindScalar"/> (pair, then tail, position by position), which gives the same hits in
        /// the same order. A block holding a character beyond ASCII is folded by the scalar loop. Returns the first
        /// position not searched.
        /// </summary>
        [SkipLocalsInit] // Its vector temporaries hold no references: zeroing the frame on each call costs a short search more than it saves.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private unsafe int FindBlocks(ReadOnlySpan<char> text, int from, int to, int lastBlock, ref Pending pending, ref List<RedactionHit>? hits)
        {
            var step = Step;
            var lower = Vector256.Create(0L, step, 2L * step, 3L * step);
            var upper = lower + Vector256.Create(4L * step);
            var tails = _tailHeads.Count > 0;
            var p = from;
            fixed (char* chars = text)
            fixed (ulong* bits = _bits)
            fixed (ulong* tailBits = _tailBits)
            {
                for (; p <= lastBlock; p += 8 * step)
                {
                    // In bounds: lane k reads the eight characters from p + k × step, and p + 7 × step ≤ lastBlock + 7 × step ≤
                    // the text's length less eight (see Find).
                    var at = (ulong*)(chars + p);
                    var after = (ulong*)(chars + p + Gram);
                    var gram = Vector512.Create(Avx2.GatherVector256(at, lower, 2), Avx2.GatherVector256(at, upper, 2));
                    var next = Vector512.Create(Avx2.GatherVector256(after, lower, 2), Avx2.GatherVector256(after, upper, 2));
                    if (((gram | next) & Vector512.Create(NonAscii)) != Vector512<ulong>.Zero)
                    {
                        FindScalar(text, from, to, p, p + (7 * step), ref pending, ref hits);
                        continue;
                    }

                    gram &= Vector512.Create(Fold);
                    next &= Vector512.Create(Fold);
                    var key = (gram * Vector512.Create(PairMultiplier)) ^ Avx512F.RotateLeft(next * Vector512.Create(NextMultiplier), NextRotation);
                    var passed = Passed(key, bits, _shift);
                    var tailKey = gram * Vector512.Create(GramMultiplier);
                    var tailPassed = tails ? Passed(tailKey, tailBits, _tailShift) : 0;
                    for (var lanes = passed | tailPassed; lanes != 0; lanes &= lanes - 1)
                    {
                        var k = BitOperations.TrailingZeroCount(lanes);
                        var position = p + (k * step);
                        if ((passed & (1u << k)) != 0)
                        {
                            Defer(text, from, to, position, key.GetElement(k), tail: false, ref pending, ref hits);
                        }

                        if ((tailPassed & (1u << k)) != 0)
                        {
                            Defer(text, from, to, position, tailKey.GetElement(k), tail: true, ref pending, ref hits);
                        }
                    }
                }
            }

            return p;
        }

        /// <summary>The lanes (bit k for lane k) whose key passes the Bloom filter <paramref name="bits"/> (see <see cref="Filter"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe uint Passed(Vector512<ulong> key, ulong* bits, int shift)
        {
            // In bounds: a word is key >> shift, below the filter's length (1 << (64 - shift)).
            var word = Vector512.ShiftRightLogical(key, shift).AsInt64();
            var sixBits = Vector512.Create(63UL);
            var mask = Avx512F.ShiftLeftLogicalVariable(Vector512<ulong>.One, Vector512.ShiftRightLogical(key, shift - 6) & sixBits)
                | Avx512F.ShiftLeftLogicalVariable(Vector512<ulong>.One, Vector512.ShiftRightLogical(key, shift - 12) & sixBits)
                | Avx512F.ShiftLeftLogicalVariable(Vector512<ulong>.One, Vector512.ShiftRightLogical(key, shift - 18) & sixBits);
            var words = Vector512.Create(Avx2.GatherVector256(bits, word.GetLower(), 8), Avx2.GatherVector256(bits, word.GetUpper(), 8));
            return (uint)Vector512.Equals(words & mask, mask).ExtractMostSignificantBits();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Walk(ReadOnlySpan<char> text, int from, int to, int p, int c, ref List<RedactionHit>? hits)
        {
            // A check gram from elsewhere in the form (see CheckOffset), kept in the candidate, rejects most candidates
            // that only share the key's characters (forms share prefixes) without touching the pattern. Candidate indexes
            // come from the head table and the chains, which only hold written candidates.
            ref var first = ref MemoryMarshal.GetReference(text);
            ref var candidates = ref MemoryMarshal.GetArrayDataReference(_candidates);
            for (; c >= 0; c = Unsafe.Add(ref candidates, c).Next)
            {
                ref readonly var candidate = ref Unsafe.Add(ref candidates, c);
                if (PassesCheck(ref first, text, from, to, p, candidate, out var start))
                {
                    ref readonly var form = ref _long[candidate.Pattern];
                    if (Matches(text, start, form))
                    {
                        Add(text, start, candidate.Length, form.Base64, form.Entry, ref hits);
                    }
                }
            }
        }

        /// <summary>
        /// Whether <paramref name="candidate"/>, met at sampled position <paramref name="p"/>, starts inside [<paramref name="from"/>,
        /// <paramref name="to"/>), ends inside the text, and has its check gram there: the cheap test before its form is
        /// read (by the walk, and by the flush that loads ahead the forms the walk will read).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool PassesCheck(ref char first, ReadOnlySpan<char> text, int from, int to, int p, in Candidate candidate, out int start)
        {
            start = p - candidate.Offset;
            return start >= from && start < to && start + candidate.Length <= text.Length
                && FoldedAt(ref first, text, start + candidate.SecondOffset) == candidate.Second;
        }

        /// <summary>
        /// Where the check gram of a candidate keyed by the characters [<paramref name="keyStart"/>, + <paramref name="keyLength"/>)
        /// of a form of <paramref name="length"/> characters starts: the middle of the form, or else an end, whichever
        /// first lies outside the key. Forms share prefixes (<c>sk_live_</c>, <c>postgres://app:</c>, and so their
        /// Base64 and hex) and suffixes, so a gram next to the key, as it was, told apart none of a chain's candidates.
        /// </summary>
        private static int CheckOffset(int length, int keyStart, int keyLength)
        {
            var middle = (length - Gram) / 2;
            foreach (var offset in (ReadOnlySpan<int>)[middle, length - Gram, 0])
            {
                if (offset + Gram <= keyStart || offset >= keyStart + keyLength)
                {
                    return offset;
                }
            }

            return middle;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool Matches(ReadOnlySpan<char> text, int start, in LongForm form) =>
            RedactionTier.Matches(text, start, form.Text, form.Entry, form.TokenOnly, form.IgnoreCase);

        /// <summary>How many candidates of <paramref name="patterns"/> end before a second gram (keyed by one gram).</summary>
        private static int Tails(IEnumerable<RedactionPattern> patterns, int step) =>
            patterns.Sum(p => Math.Max(0, step - (p.Text.Length - (2 * Gram) + 1)));

        private void Index(int p)
        {
            var text = _long[p].Text;
            for (var j = 0; j < Step; j++)
            {
                var gram = Gram4(text, j);
                var c = _candidateCount++;
                var paired = j + (2 * Gram) <= text.Length;
                var key = paired ? PairKey(gram, Gram4(text, j + Gram)) : GramKey(gram);
                var second = CheckOffset(text.Length, j, paired ? 2 * Gram : Gram);
                var heads = paired ? _heads : _tailHeads;

                // The candidate is written before its head is published: readers take no lock.
                _candidates[c] = new Candidate(p, j, heads.TryGet(key, out var head) ? head : -1, text.Length, second, Gram4(text, second));
                heads.Set(key, c);
                SetBits(text, j);
            }
        }

        private void SetBits(string text, int j)
        {
            if (j + (2 * Gram) <= text.Length)
            {
                var (word, mask) = Filter(PairKey(Gram4(text, j), Gram4(text, j + Gram)), _shift);
                _bits[word] |= mask;
            }
            else
            {
                var (word, mask) = Filter(GramKey(Gram4(text, j)), _tailShift);
                _tailBits[word] |= mask;
            }
        }
    }

    /// <summary>
    /// Chain heads by key, in open addressing: one writer (the redactor's write lock) and readers that take no lock. A
    /// slot's key is written before its head, and a head only ever moves to a newer candidate, so a reader sees either
    /// no entry, or a key with a head that is valid for it.
    /// </summary>
    private sealed class HeadTable
    {
        private readonly ulong[] _keys;
        private readonly int[] _heads;
        private readonly int _shift;

        public HeadTable(int capacity)
        {
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
            _keys = new ulong[size];
            _heads = new int[size];
            Array.Fill(_heads, -1);
            _shift = 64 - BitOperations.Log2((uint)size);
        }

        /// <summary>How many keys are held.</summary>
        public int Count { get; private set; }

        /// <summary>How many keys fit before the table is more than half full.</summary>
        public int Capacity => _keys.Length / 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryGet(ulong key, out int head)
        {
            // Unchecked: a slot is masked to the tables' length (a power of two, the same for both arrays).
            ref var keys = ref MemoryMarshal.GetArrayDataReference(_keys);
            ref var heads = ref MemoryMarshal.GetArrayDataReference(_heads);
            var mask = _keys.Length - 1;
            for (var i = Slot(key); ; i = (i + 1) & mask)
            {
                var found = Volatile.Read(ref Unsafe.Add(ref heads, i));
                if (found < 0)
                {
                    head = -1;
                    return false;
                }

                if (Unsafe.Add(ref keys, i) == key)
                {
                    head = found;
                    return true;
                }
            }
        }

        public void Set(ulong key, int head)
        {
            var mask = _keys.Length - 1;
            for (var i = Slot(key); ; i = (i + 1) & mask)
            {
                if (_heads[i] < 0)
                {
                    _keys[i] = key;
                    Volatile.Write(ref _heads[i], head);
                    Count++;
                    return;
                }

                if (_keys[i] == key)
                {
                    Volatile.Write(ref _heads[i], head);
                    return;
                }
            }
        }

        /// <summary>
        /// Copies each chain of <paramref name="from"/> into consecutive elements of <paramref name="to"/> from
        /// <paramref name="next"/>, linked in the same order, and points its head there; only for an index not yet published.
        /// </summary>
        public void LayOut(Candidate[] from, Candidate[] to, ref int next)
        {
            for (var i = 0; i < _heads.Length; i++)
            {
                if (_heads[i] < 0)
                {
                    continue;
                }

                var head = next;
                for (var c = _heads[i]; c >= 0; c = from[c].Next)
                {
                    to[next] = from[c] with { Next = from[c].Next >= 0 ? next + 1 : -1 };
                    next++;
                }

                _heads[i] = head;
            }
        }

        /// <summary>A copy with room for <paramref name="capacity"/> keys.</summary>
        public HeadTable CopyWith(int capacity)
        {
            var copy = new HeadTable(Math.Max(capacity, Count));
            for (var i = 0; i < _keys.Length; i++)
            {
                if (_heads[i] >= 0)
                {
                    copy.Set(_keys[i], _heads[i]);
                }
            }

            return copy;
        }

        /// <summary>Starts loading the slot where <paramref name="key"/>'s lookup begins (a hint: it changes nothing).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(ulong key)
        {
            var i = Slot(key);
            RedactionTier.Prefetch(ref _heads[i]);
            RedactionTier.Prefetch(ref _keys[i]);
        }

        private int Slot(ulong key) => (int)((key * 0xFF51_AFD7_ED55_8CCDUL) >> _shift);
    }

    /// <summary>
    /// Asks the processor to start loading the cache line of <paramref name="location"/>. Only a hint: nothing is read, and
    /// a line of an array the collector has just moved is loaded for nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
        }
    }

    /// <summary><see cref="Prefetch{T}(ref T)"/> for the first cache line of an object.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchObject(object instance)
    {
        if (Sse.IsSupported)
        {
            // The reference itself is the object's address; read, not followed.
            Sse.Prefetch0((void*)Unsafe.As<object, nint>(ref instance));
        }
    }

    /// <summary>A sampled position whose key passed a Bloom filter: the pair key, or with <see cref="Tail"/> the one-gram key.</summary>
    private readonly record struct Pass(int Position, ulong Key, bool Tail);

    /// <summary>
    /// The sampled positions of one search that passed a Bloom filter and wait for their head table lookup, with room for
    /// what <see cref="SampledIndex"/>'s flush works out about them: each position's chain head, and the forms whose
    /// check gram passed (see Flush). Every table a hit goes through is large and seldom in cache.
    /// </summary>
    private ref struct Pending(Span<Pass> passes, Span<int> heads, Span<int> forms)
    {
        /// <summary>How many positions wait at most, and how many forms are loaded ahead per batch (a 64 KB write of logs holds a few dozen hits).</summary>
        public const int Capacity = 32;

        public readonly Span<Pass> Passes = passes;

        public readonly Span<int> Heads = heads;

        public readonly Span<int> Forms = forms;

        public int Count;
    }

    /// <summary>
    /// A long form's fields, held in the index's array itself: a chain walk that passes a candidate's check gram then
    /// loads the form's text and its entry side by side, where through a <see cref="RedactionPattern"/> it first waited
    /// for the pattern, then for its text and entry (each a cache miss in a large index).
    /// </summary>
    private readonly record struct LongForm(string Text, RedactionEntry Entry, bool TokenOnly, bool IgnoreCase, bool Base64)
    {
        public static LongForm Of(RedactionPattern pattern) => new(pattern.Text, pattern.Entry, pattern.TokenOnly, pattern.IgnoreCase, pattern.Base64);
    }

    /// <summary>A form (index into the long forms) with the gram at <see cref="Offset"/>; the next candidate with the same gram; and a second gram of the form, for a cheap first check.</summary>
    private readonly record struct Candidate(int Pattern, int Offset, int Next, int Length, int SecondOffset, ulong Second);
}
