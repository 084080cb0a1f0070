using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Secrets.Runtime.Store.Access;

/// <summary>
/// Recent successful authentications of one <see cref="AccessStore"/>, so a busy API does not read a token and its
/// user's grants on every request. An entry is used only while all of these hold, else the token is read again:
/// <list type="bullet">
/// <item>it is younger than the store's <see cref="StoreOptions.MaxStaleness"/>, which bounds every change, even one made
/// with raw SQL;</item>
/// <item>the backend's access mark is the one read before the token was (<see cref="IAccessRows.AccessMark"/>: SQLite,
/// no write to the tokens, grants or users table since, by any connection or process; PostgreSQL, no access change announced and the
/// change feed fresh);</item>
/// <item>this store made no access change since (a revocation here takes effect at once);</item>
/// <item>the presented token has the entry's full SHA-256 hash (compared in constant time), not only its id.</item>
/// </list>
/// The token's expiry is checked on every use. Only the id, the hash and the principal are kept, never the token.
/// </summary>
internal sealed class AuthenticationCache
{
    /// <summary>The most entries kept; past it the cache starts again empty (each token then reads once more).</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private long _changes;

    public AuthenticationCache(TimeProvider time, TimeSpan lifetime)
    {
        _time = time;
        _lifetime = lifetime;
    }

    /// <summary>How many access changes this store made; read it before reading a token, and pass it to <see cref="Add"/>.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>An access change through this store: every entry is dropped, and reads that started before it are not kept.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _changes);
        _entries.Clear();
    }

    /// <summary>The entry of token <paramref name="id"/> when it is still valid and <paramref name="hash"/> is its hash; else null.</summary>
    public Entry? Find(string id, byte[] hash, long mark)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return null;
        }

        if (entry.Mark != mark || entry.Changes != Changes || _time.GetElapsedTime(entry.ReadAt) >= _lifetime)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
            return null;
        }

        // A token with the right id and the wrong secret does not match, and does not evict the entry either.
        return CryptographicOperations.FixedTimeEquals(entry.Hash, hash) ? entry : null;
    }

    /// <summary>Keeps a successful authentication, unless this store made an access change after the entry's rows were read.</summary>
    public void Add(string id, Entry entry)
    {
        if (entry.Changes != Changes)
        {
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[id] = entry;
    }

    /// <summary>Drops the entry of token <paramref name="id"/> (it expired).</summary>
    public void Remove(string id) => _entries.TryRemove(id, out _);

    /// <summary>One cached authentication.</summary>
    /// <param name="Hash">The token's SHA-256 hash.</param>
    /// <param name="Principal">The principal it authenticated as.</param>
    /// <param name="ExpiresAt">When the token expires, or null.</param>
    /// <param name="Mark">The backend's access mark read before the token was.</param>
    /// <param name="Changes">This store's <see cref="Changes"/> read before the token was.</param>
    /// <param name="ReadAt">The timestamp (<see cref="TimeProvider.GetTimestamp"/>) taken before the token was read.</param>
    internal sealed record Entry(byte[] Hash, Principal Principal, DateTimeOffset? ExpiresAt, long Mark, long Changes, long ReadAt)
    {
        /// <summary>When the token's use was last recorded, as far as this host knows.</summary>
        public DateTimeOffset? LastUsedAt { get; set; }
    }
}
