using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// Results of recent hot reads (a page's rows, a user's memberships), keyed by their SQL and every parameter value.
/// An entry is used only while both hold, else the rows are read again:
/// <list type="bullet">
/// <item>the mark of the tables the read depends on is the one read before the rows were (<see cref="SqliteChangeMarks"/>):
/// none of them was written since, by any connection or process, this one included;</item>
/// <item>it is younger than the store's <see cref="StoreOptions.MaxStaleness"/>, a bound that holds even if the file
/// were replaced under the server.</item>
/// </list>
/// It holds rows as the database has them, before any permission check: every caller's rights are checked on every
/// read, so one caller's answer is never another's.
/// </summary>
internal sealed class SqliteReadCache
{
    /// <summary>The most entries kept; past it the cache starts again empty.</summary>
    public const int MaxEntries = 1_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public SqliteReadCache(TimeProvider time, TimeSpan lifetime)
    {
        _time = time;
        _lifetime = lifetime;
    }

    /// <summary>The key of a read: its SQL and each parameter's name and value, each length-prefixed so none can run into the next.</summary>
    public static string Key(string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var key = new StringBuilder(sql.Length + 64);
        Append(key, sql);
        foreach (var (name, value) in parameters)
        {
            Append(key, name);
            Append(key, value switch
            {
                null => "\0null",
                string s => "s" + s,
                IFormattable f => "n" + f.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"parameter {name} has a type the cache does not key", nameof(parameters)),
            });
        }

        return key.ToString();
    }

    /// <summary>The value kept under <paramref name="key"/> when it was read at mark <paramref name="mark"/> and is young enough; else null.</summary>
    public T? Find<T>(string key, long mark)
        where T : class
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Mark != mark || _time.GetElapsedTime(entry.ReadAt) >= _lifetime)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return null;
        }

        return entry.Value as T;
    }

    /// <summary>Keeps <paramref name="value"/>, read after mark <paramref name="mark"/> and timestamp <paramref name="readAt"/> were taken.</summary>
    public void Add(string key, long mark, long readAt, object value)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[key] = new Entry(mark, readAt, value);
    }

    private static void Append(StringBuilder key, string part) =>
        key.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);

    private sealed record Entry(long Mark, long ReadAt, object Value);
}
