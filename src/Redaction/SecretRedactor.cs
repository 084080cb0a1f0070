using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// Masks every registered secret value, and the forms tools put it in (<see cref="SecretForms"/> and the decoded
/// views of <c>Views/</c>), in text. Thread-safe: readers take no lock and see an immutable snapshot; registering or
/// releasing values publishes a new one.
/// </summary>
/// <remarks>
/// Values live in three tiers. A batch (<see cref="AddRange"/>, <see cref="Lease"/>) at least as large as what is
/// registered is indexed at once into the main tier, in time linear in its forms. Smaller additions go to a recent
/// tier of about 64 values, extended on each addition; once it is full a background task merges it into a middle
/// tier of about √(64 × main) values, and the middle tier into the main one when it outgrows that, so an addition
/// never rebuilds a large index on the caller's thread and the background work per addition grows as √n, not n. A
/// value released while in the main or middle tier is matched until the next merge that rebuilds its tier, and a
/// full merge also runs once a quarter of what is indexed is released. Masking is a safety net against accidental
/// exposure in the forms listed in the README, not a boundary against code that holds a value.
/// <para>
/// The search path's loops (here, in <see cref="RedactionTier"/>, the decoders of <c>Views/</c> and the streaming
/// writer) are compiled fully optimised at their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// under tiered compilation they would run unoptimised, then instrumented, for the first tens of megabytes of a
/// stream, which is all of a <c>redact</c> run's first pass. They are written not to need what dynamic PGO adds
/// (no virtual or delegate calls per position or unit; small helpers marked for inlining).
/// </para>
/// </remarks>
public sealed class SecretRedactor
{
    /// <summary>How far, as a multiple of its length, a form can spread once escaped; windows and hold-back follow it.</summary>
    internal const int ExtentFactor = 12;

    private const int RecentCapacity = 64;

    private readonly Lock _writeLock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Value, string? Name), Registration> _registrations = [];
    private readonly Queue<(Registration Registration, long Due)> _releases = new();
    private readonly List<Registration> _recent = [];
    private Registration[] _main = [];
    private Registration[] _middle = [];
    private int _dead;
    private int _deadMain;
    private int _live;
    private int _generation;
    private bool _merging;
    private Task _merge = Task.CompletedTask;
    private ITimer? _timer;
    private long _timerDue;
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>Creates an empty redactor.</summary>
    /// <param name="options">How values are masked; defaults are safe.</param>
    /// <param name="timeProvider">The clock for release grace periods; default the system clock.</param>
    public SecretRedactor(RedactionOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = (options ?? new RedactionOptions()).Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The options this redactor was built with.</summary>
    public RedactionOptions Options { get; }

    /// <summary>How many values are registered (released values whose grace period has passed are not).</summary>
    public int Count => Volatile.Read(ref _live);

    /// <summary>The longest registered form, in characters.</summary>
    public int MaxPatternLength => Volatile.Read(ref _snapshot).MaxLength;

    /// <summary>How many characters a streaming writer holds back: the furthest an escaped form can spread, less one.</summary>
    internal int HoldBack => Math.Max(0, (MaxPatternLength * ExtentFactor) - 1);

    /// <summary>How many values the published tiers index, released ones awaiting a merge included.</summary>
    internal int Indexed
    {
        get
        {
            var snapshot = Volatile.Read(ref _snapshot);
            return snapshot.Main.Entries.Count + snapshot.Middle.Entries.Count + snapshot.Recent.Entries.Count;
        }
    }

    /// <summary>Registers a secret value and all its forms until it is removed; empty and whitespace-only values are ignored.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The secret's name, shown by <see cref="RedactionOptions.ShowSecretName"/>.</param>
    public void Add(string value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        Register([new RedactionValue(value, name)], lease: null);
    }

    /// <summary>Registers many values until they are removed, in one batch whose cost is linear in their forms.</summary>
    public void AddRange(IEnumerable<RedactionValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Register(values, lease: null);
    }

    /// <summary>
    /// Registers a run's values in one batch and returns the lease that holds them: dispose it when the run ends,
    /// and values no other run holds are released after <see cref="RedactionOptions.ReleaseGracePeriod"/>.
    /// </summary>
    public RedactionLease Lease(IEnumerable<RedactionValue>? values = null)
    {
        var lease = new RedactionLease(this);
        if (values is not null)
        {
            Register(values, lease);
        }

        return lease;
    }

    /// <summary>Stops masking a value at once, under every name, whether or not a run holds it (for example after rotation).</summary>
    public void Remove(string value)
    {
        lock (_writeLock)
        {
            foreach (var registration in _registrations.Values.Where(r => r.Entry.Value == value).ToList())
            {
                Unregister(registration);
            }

            PublishRemovals();
        }
    }

    /// <summary>Whether <paramref name="text"/> holds any registered value in any registered form.</summary>
    public bool ContainsSecret(string? text) => !string.IsNullOrEmpty(text) && Find(text) is not null;

    /// <summary>Returns <paramref name="text"/> with every form of every registered value masked; the same instance when nothing matched.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hits = Find(text);
        return hits is null ? text : Apply(text, hits);
    }

    /// <summary>A copy of <paramref name="exception"/> safe to log, return or store: type, message, inner exceptions, data and stack trace, all masked.</summary>
    public RedactedException RedactException(Exception exception) => RedactedException.From(exception, this);

    /// <summary>Completes when no background merge is running (tests and benchmarks wait for it; masking never needs to).</summary>
    internal async Task WhenMergedAsync()
    {
        while (true)
        {
            Task merge;
            lock (_writeLock)
            {
                if (!_merging)
                {
                    return;
                }

                merge = _merge;
            }

            await merge.ConfigureAwait(false);
        }
    }

    /// <summary>Finds the hits in a span, sorted by start (longest first); used by the streaming writer to choose where it may cut.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal List<RedactionHit>? Find(ReadOnlySpan<char> text) => Find(text, filterEscapes: true);

    /// <summary>
    /// <see cref="Find(ReadOnlySpan{char})"/>, with <paramref name="filterEscapes"/> false letting every escape open a
    /// window in the views, not only those whose decoded characters can matter (tests compare the two).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal List<RedactionHit>? Find(ReadOnlySpan<char> text, bool filterEscapes)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.MaxLength == 0 || text.IsEmpty)
        {
            return null;
        }

        List<RedactionHit>? hits = null;
        FindIn(snapshot, text, 0, TextDecoder.AllBits, filterEscapes ? snapshot.Filter : EscapeFilter.None, ref hits);
        if (hits is { Count: > 1 })
        {
            hits.Sort([MethodImpl(MethodImplOptions.AggressiveOptimization)] static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        }

        return hits;
    }

    /// <summary>Which escapes open a window in the views of the published snapshot (tests decode with it).</summary>
    internal EscapeFilter EscapeFilter => Volatile.Read(ref _snapshot).Filter;

    /// <summary>
    /// The hits of a decoded view, in its own positions: near its changes only, as <see cref="Find(ReadOnlySpan{char})"/> searches a view, or,
    /// with <paramref name="whole"/>, anywhere in it (tests compare the two).
    /// </summary>
    internal List<RedactionHit>? FindInView(in DecodedView view, bool whole)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        List<RedactionHit>? hits = null;
        if (whole)
        {
            Search(snapshot, view.Text, 0, view.Length, ref hits);
        }
        else
        {
            SearchNearChanges(snapshot, view, ref hits);
        }

        return hits;
    }

    /// <summary>Writes <paramref name="text"/> with the (sorted) hits masked; overlapping and touching hits become one mask.</summary>
    internal string Apply(ReadOnlySpan<char> text, List<RedactionHit> hits)
    {
        var sb = new StringBuilder(text.Length);
        Apply(text, hits, (chunk, builder) => builder.Append(chunk), sb);
        return sb.ToString();
    }

    /// <summary>Hands <paramref name="text"/> to <paramref name="write"/> in pieces, with the (sorted) hits replaced by the mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Apply<TState>(ReadOnlySpan<char> text, List<RedactionHit> hits, SpanWriter<TState> write, TState state)
    {
        var position = 0;
        var k = 0;
        while (k < hits.Count)
        {
            var (start, end, name) = hits[k++];
            while (k < hits.Count && hits[k].Start <= end)
            {
                end = Math.Max(end, hits[k++].End);
            }

            write(text[position..start], state);
            write(Options.ShowSecretName && name is not null ? $"[secret:{name}]" : Options.Mask, state);
            position = end;
        }

        write(text[position..], state);
    }

    /// <summary>Registers values in one batch, held by <paramref name="lease"/> or, without one, until removed.</summary>
    /// <remarks>
    /// The forms of values not yet registered are built before the write lock is taken, so a caller never waits on
    /// another's encoding work, nor another on its; the lock covers only the bookkeeping and the publication.
    /// </remarks>
    internal void Register(IEnumerable<RedactionValue> values, RedactionLease? lease)
    {
        var batch = values.Where(v => !string.IsNullOrWhiteSpace(v.Value)).ToList();
        var prepared = Prepare(batch);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(lease is { Released: true }, lease!);
            Sweep();
            var added = new List<Registration>();
            foreach (var (value, name) in batch)
            {
                if (!_registrations.TryGetValue((value, name), out var registration))
                {
                    var entry = prepared?.GetValueOrDefault((value, name)) ?? new RedactionEntry(value, name, SecretForms.Registered(value, Options), Options.MinimumValueLength);
                    registration = new Registration(entry);
                    _registrations.Add((value, name), registration);
                    added.Add(registration);
                    _live++;
                }

                if (lease is null)
                {
                    registration.Pinned = true;
                }
                else if (lease.Held.Add(registration))
                {
                    registration.Leases++;
                    registration.ReleaseDue = 0;
                }
            }

            if (added.Count > 0)
            {
                PublishAdditions(added);
            }
        }
    }

    /// <summary>The entries, with their forms, of the values of <paramref name="batch"/> not registered yet (looked up under the lock, built outside it); null when there are none.</summary>
    private Dictionary<(string Value, string? Name), RedactionEntry>? Prepare(List<RedactionValue> batch)
    {
        List<RedactionValue>? missing = null;
        lock (_writeLock)
        {
            foreach (var v in batch)
            {
                if (!_registrations.ContainsKey((v.Value, v.Name)))
                {
                    (missing ??= []).Add(v);
                }
            }
        }

        if (missing is null)
        {
            return null;
        }

        var prepared = new Dictionary<(string Value, string? Name), RedactionEntry>(missing.Count);
        foreach (var (value, name) in missing)
        {
            if (!prepared.ContainsKey((value, name)))
            {
                prepared[(value, name)] = new RedactionEntry(value, name, SecretForms.Registered(value, Options), Options.MinimumValueLength);
            }
        }

        return prepared;
    }

    /// <summary>Releases what <paramref name="lease"/> holds; values no run holds any more go after the grace period.</summary>
    internal void Release(RedactionLease lease)
    {
        lock (_writeLock)
        {
            if (lease.Released)
            {
                return;
            }

            lease.Released = true;
            var due = _time.GetUtcNow().UtcTicks + Options.ReleaseGracePeriod.Ticks;
            foreach (Registration registration in lease.Held)
            {
                if (--registration.Leases == 0 && !registration.Pinned && registration.Tier != Tier.None)
                {
                    registration.ReleaseDue = due;
                    _releases.Enqueue((registration, due));
                }
            }

            lease.Held.Clear();
            Sweep();
            ArmTimer();
        }
    }

    /// <summary>Finds hits in <paramref name="text"/> and in its decoded views.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FindIn(Snapshot snapshot, ReadOnlySpan<char> text, int depth, int decoders, EscapeFilter filter, ref List<RedactionHit>? hits)
    {
        const int joiner = 1 << 3;
        if (depth == 0 && (decoders & joiner) != 0 && !snapshot.SpansLines && text.Length > 2 * snapshot.MaxLength && text.Contains('\n'))
        {
            // Joined Base64 blocks (PEM, MIME) are searched whole in their view; the plain search skips their insides,
            // which hold no match the view lacks (no form has a line break), so those lines are searched once, not twice.
            var blocks = new Base64LineJoiner.BlockList(record: true);
            try
            {
                FindInJoinedBlocks(snapshot, text, ref blocks, ref hits);
                var position = 0;
                for (var b = 0; b < blocks.Count; b++)
                {
                    var (start, end) = blocks[b];
                    var skipTo = end - snapshot.MaxLength - 8;
                    if (skipTo > start && start >= position)
                    {
                        Search(snapshot, text, position, start, ref hits);
                        position = skipTo;
                    }
                }

                Search(snapshot, text, position, text.Length, ref hits);
            }
            finally
            {
                blocks.Return();
            }

            FindInViews(snapshot, text, depth, decoders & ~joiner, filter, ref hits);
            return;
        }

        Search(snapshot, text, 0, text.Length, ref hits);
        FindInViews(snapshot, text, depth, decoders, filter, ref hits);
    }

    /// <summary>Searches the whole joined view of the Base64 blocks of <paramref name="text"/>, and lists in <paramref name="blocks"/> those the plain search may skip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FindInJoinedBlocks(Snapshot snapshot, ReadOnlySpan<char> text, ref Base64LineJoiner.BlockList blocks, ref List<RedactionHit>? hits)
    {
        var view = new DecodedView(text.Length + 16);
        try
        {
            if (Base64LineJoiner.Decode(text, ref view, ref blocks))
            {
                List<RedactionHit>? inner = null;
                Search(snapshot, view.Text, 0, view.Length, ref inner);
                foreach (var hit in CollectionsMarshal.AsSpan(inner))
                {
                    var (start, end) = view.Source(hit.Start, hit.End);
                    (hits ??= []).Add(new RedactionHit(start, end, hit.Name));
                }
            }
        }
        finally
        {
            view.Return();
        }
    }

    /// <summary>
    /// Decodes <paramref name="text"/> with each decoder whose trigger it holds and searches each view only where a
    /// match could differ from the text it came from (near a decoded unit or a join); a view is decoded again only by
    /// the decoders whose triggers its own decoding produced.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FindInViews(Snapshot snapshot, ReadOnlySpan<char> text, int depth, int decoders, EscapeFilter filter, ref List<RedactionHit>? hits)
    {
        if (depth >= Options.MaximumDecodingDepth)
        {
            return;
        }

        var window = snapshot.MaxLength * ExtentFactor;
        for (var d = 0; d < TextDecoder.All.Length; d++)
        {
            var decoder = TextDecoder.All[d];
            if ((decoders & (1 << d)) == 0 || !decoder.HasTrigger(text))
            {
                continue;
            }

            // Pooled and sized for the whole text (each window or block shrinks by more than the separator it adds), so it never grows by copying.
            var view = new DecodedView(text.Length + 16);
            try
            {
                if (decoder.Decode(text, window, filter, ref view))
                {
                    List<RedactionHit>? inner = null;
                    SearchNearChanges(snapshot, view, ref inner);
                    FindInViews(snapshot, view.Text, depth + 1, view.ProducedTriggers, filter, ref inner);
                    foreach (var hit in CollectionsMarshal.AsSpan(inner))
                    {
                        var (start, end) = view.Source(hit.Start, hit.End);
                        (hits ??= []).Add(new RedactionHit(start, end, hit.Name));
                    }
                }
            }
            finally
            {
                view.Return();
            }
        }
    }

    /// <summary>
    /// Searches the matches of a view that hold one of its relevant positions: those that start at most the longest
    /// form that holds the decoded character there before it (a separator is in no form), or the longest form before
    /// the start of a joined run; and, when some form must stand as a whole token, those that start right after a
    /// decoded character, whose boundary the view may have and the source not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchNearChanges(Snapshot snapshot, in DecodedView view, ref List<RedactionHit>? hits)
    {
        var text = view.Text;
        int from = -1, to = -1, searched = 0;
        for (var i = 0; i < view.RelevantCount; i++)
        {
            var position = view.Relevant(i, out var decoded);
            if (position < 0)
            {
                continue;
            }

            // A form that must stand as a whole token can match right after a decoded character and not in the source,
            // where the escape's last character (a hex digit) stood before it: 123 in %22123%22, which decodes to "123".
            var after = decoded && snapshot.SpansLines ? 1 : 0;
            var reach = decoded ? snapshot.Reach(text[position]) : snapshot.MaxLength;
            if (reach == 0 && after == 0)
            {
                continue;
            }

            var start = Math.Max(searched, reach == 0 ? position + 1 : position - reach + 1);
            var end = Math.Min(text.Length, position + 1 + after);
            if (start >= end)
            {
                continue;
            }

            if (from >= 0 && start <= to)
            {
                from = Math.Min(from, start);
                to = Math.Max(to, end);
                continue;
            }

            if (from >= 0)
            {
                Search(snapshot, text, from, to, ref hits);
                searched = to;
                start = Math.Max(start, searched);
            }

            (from, to) = (start, end);
        }

        if (from >= 0)
        {
            Search(snapshot, text, from, to, ref hits);
        }
    }

    private static void Search(Snapshot snapshot, ReadOnlySpan<char> text, int from, int to, ref List<RedactionHit>? hits)
    {
        snapshot.Main.Find(text, from, to, ref hits);
        snapshot.Middle.Find(text, from, to, ref hits);
        snapshot.Recent.Find(text, from, to, ref hits);
    }

    private void PublishAdditions(List<Registration> added)
    {
        var snapshot = _snapshot;
        if (_recent.Count + added.Count >= Math.Max(RecentCapacity, _live - _recent.Count - added.Count))
        {
            // A batch at least as large as what is indexed: rebuild everything now, linear in the total (amortised by doubling).
            var all = _main.Concat(_middle).Where(r => r.Tier != Tier.None).Concat(_recent).Concat(added).ToArray();
            var main = new RedactionTier(all.Select(r => r.Entry).ToArray());
            Install(all, Tier.Main);
            _main = all;
            _middle = [];
            _recent.Clear();
            _dead = 0;
            _deadMain = 0;
            _generation++;
            Publish(main, RedactionTier.Empty, RedactionTier.Empty);
            return;
        }

        foreach (var registration in added)
        {
            registration.Tier = Tier.Recent;
        }

        _recent.AddRange(added);
        Publish(snapshot.Main, snapshot.Middle, snapshot.Recent.Extend(added.Select(r => r.Entry).ToArray()));
        if (_recent.Count >= RecentCapacity)
        {
            StartMerge();
        }
    }

    private void PublishRemovals()
    {
        if (_live == 0 && _dead > 0)
        {
            _main = [];
            _middle = [];
            _recent.Clear();
            _dead = 0;
            _deadMain = 0;
            _generation++;
            Publish(RedactionTier.Empty, RedactionTier.Empty, RedactionTier.Empty);
        }
        else if (NeedsMerge())
        {
            StartMerge();
        }
    }

    private bool NeedsMerge() => _recent.Count >= RecentCapacity || NeedsMajorMerge();

    /// <summary>A quarter of what is indexed is released, or the middle tier outgrew its share of the main one.</summary>
    private bool NeedsMajorMerge() => (_dead >= 16 && _dead * 4 > _live) || _middle.Length + _recent.Count > MiddleCapacity();

    /// <summary>
    /// How many values the middle tier holds before it is merged into the main one: about √(64 × main), so adding
    /// n values one by one rebuilds O(√n) values per addition in the background rather than the whole main tier
    /// every 64 additions.
    /// </summary>
    private int MiddleCapacity() => Math.Max(4 * RecentCapacity, (int)Math.Sqrt((double)RecentCapacity * _main.Length));

    /// <summary>Moves the registrations still registered to <paramref name="tier"/>; returns how many were released meanwhile (indexed, but dead).</summary>
    private static int Install(Registration[] registrations, Tier tier)
    {
        var dead = 0;
        foreach (var registration in registrations)
        {
            if (registration.Tier != Tier.None)
            {
                registration.Tier = tier;
            }
            else
            {
                dead++;
            }
        }

        return dead;
    }

    /// <summary>
    /// Merges in the background: the recent tier into the middle one (a minor merge, small), or, when the middle
    /// tier is full or many values were released, everything into the main one. Masking goes on over the published
    /// tiers meanwhile; additions go to the recent tier. The caller that starts it only copies the recent list: what
    /// to merge is chosen, and both the merged tier and the new recent tier are built, on the background thread (values
    /// added meanwhile are added to the new recent tier under the lock, as an addition is), so the write lock is held
    /// for bookkeeping only and an addition never waits on an index being built.
    /// </summary>
    private void StartMerge()
    {
        if (_merging)
        {
            return;
        }

        _merging = true;
        var generation = _generation;
        var major = NeedsMajorMerge();
        var (main, middle, recent) = (_main, _middle, _recent.ToArray());
        _merge = Task.Run(() =>
        {
            var merged = false;
            try
            {
                var registrations = (major ? main.Concat(middle) : middle).Where(r => r.Tier != Tier.None).Concat(recent).ToArray();
                var tier = new RedactionTier(registrations.Select(r => r.Entry).ToArray());
                var mergedRecent = new HashSet<Registration>(recent, ReferenceEqualityComparer.Instance);
                Registration[] pending;
                lock (_writeLock)
                {
                    pending = _recent.Where(r => !mergedRecent.Contains(r)).ToArray();
                }

                // The values added while the merge ran stay in the recent tier, built here outside the lock; those added
                // after this point are added to it under the lock, as an addition would be (a released one is skipped).
                var rest = new RedactionTier(pending.Select(r => r.Entry).ToArray(), extensible: true);
                var restSet = new HashSet<Registration>(pending, ReferenceEqualityComparer.Instance);
                lock (_writeLock)
                {
                    if (generation == _generation)
                    {
                        var later = _recent.Where(r => !mergedRecent.Contains(r) && !restSet.Contains(r)).Select(r => r.Entry).ToArray();
                        if (later.Length > 0)
                        {
                            rest = rest.Extend(later);
                        }

                        var dead = Install(registrations, major ? Tier.Main : Tier.Middle);
                        _recent.RemoveAll(r => r.Tier != Tier.Recent);
                        if (major)
                        {
                            _main = registrations;
                            _middle = [];
                            _deadMain = dead;
                            _dead = dead;
                            Publish(tier, RedactionTier.Empty, rest);
                        }
                        else
                        {
                            _middle = registrations;
                            _dead = _deadMain + dead;
                            Publish(_snapshot.Main, tier, rest);
                        }
                    }
                }

                merged = true;
            }
            finally
            {
                lock (_writeLock)
                {
                    _merging = false;
                    if (merged && NeedsMerge())
                    {
                        StartMerge();
                    }
                }
            }
        });
    }

    private void Publish(RedactionTier main, RedactionTier middle, RedactionTier recent) =>
        Volatile.Write(ref _snapshot, new Snapshot(main, middle, recent, Math.Max(main.MaxLength, Math.Max(middle.MaxLength, recent.MaxLength)), main.SpansLines || middle.SpansLines || recent.SpansLines));

    private void Unregister(Registration registration)
    {
        if (registration.Tier == Tier.None)
        {
            return;
        }

        // Tiers skip a released entry at once; the next merge stops indexing it.
        registration.Entry.Released = true;
        _registrations.Remove((registration.Entry.Value, registration.Entry.Name));
        _live--;
        _dead++;
        if (registration.Tier == Tier.Main)
        {
            _deadMain++;
        }
        else if (registration.Tier == Tier.Recent)
        {
            _recent.Remove(registration);
        }

        registration.Tier = Tier.None;
    }

    /// <summary>Drops the values whose grace period has passed.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var removed = false;
        while (_releases.TryPeek(out var next) && next.Due <= now)
        {
            _releases.Dequeue();
            var registration = next.Registration;
            if (registration.ReleaseDue == next.Due && registration.Leases == 0 && !registration.Pinned)
            {
                Unregister(registration);
                removed = true;
            }
        }

        if (removed)
        {
            PublishRemovals();
        }
    }

    /// <summary>Keeps one timer armed for the earliest pending release, so an idle host drops values too.</summary>
    private void ArmTimer()
    {
        if (!_releases.TryPeek(out var next) || (_timer is not null && _timerDue == next.Due))
        {
            return;
        }

        var delay = TimeSpan.FromTicks(Math.Max(0, next.Due - _time.GetUtcNow().UtcTicks));
        _timerDue = next.Due;
        if (_timer is null)
        {
            _timer = _time.CreateTimer(_ => OnTimer(), null, delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_writeLock)
        {
            _timerDue = 0;
            Sweep();
            ArmTimer();
        }
    }

    private enum Tier
    {
        None,
        Main,
        Middle,
        Recent,
    }

    /// <summary>A registered value and who holds it (guarded by the write lock).</summary>
    private sealed class Registration(RedactionEntry entry)
    {
        public RedactionEntry Entry { get; } = entry;

        public int Leases { get; set; }

        public bool Pinned { get; set; }

        public long ReleaseDue { get; set; }

        public Tier Tier { get; set; } = Tier.Recent;
    }

    private sealed record Snapshot(RedactionTier Main, RedactionTier Middle, RedactionTier Recent, int MaxLength, bool SpansLines)
    {
        public static readonly Snapshot Empty = new(RedactionTier.Empty, RedactionTier.Empty, RedactionTier.Empty, 0, false);

        /// <summary>The three tiers' reach tables merged once, so a view's search looks each decoded character up once, not three times.</summary>
        private readonly int[] _reach = RedactionTier.MergeReach([Main, Middle, Recent]);

        /// <summary>The longest form of any tier that holds <paramref name="c"/> (see <see cref="RedactionTier.Reach(char)"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Reach(char c) => RedactionTier.Reach(_reach, c, MaxLength);

        /// <summary>Which escapes open a window in a view of this snapshot (see <see cref="Views.EscapeFilter"/>).</summary>
        public EscapeFilter Filter => new(_reach, MaxLength, SpansLines);
    }
}
