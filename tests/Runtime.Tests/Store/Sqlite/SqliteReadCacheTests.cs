using Microsoft.Extensions.Time.Testing;
using Secrets.Runtime.Store.Sqlite;

namespace Secrets.Runtime.Tests.Store.Sqlite;

/// <summary>The hot-read cache of the SQLite store: an entry lives only while nothing was committed and it is young enough.</summary>
public sealed class SqliteReadCacheTests
{
    private static readonly (string, object?)[] Parameters = [("$owner", "web"), ("$limit", 51)];

    [Fact]
    public void An_entry_is_found_only_at_the_data_version_it_was_read_at()
    {
        var time = new FakeTimeProvider();
        var cache = new SqliteReadCache(time, TimeSpan.FromSeconds(5));
        var key = SqliteReadCache.Key("SELECT 1", Parameters);
        cache.Add(key, mark: 7, time.GetTimestamp(), "rows");

        Assert.Equal("rows", cache.Find<string>(key, 7));
        Assert.Null(cache.Find<string>(key, 8));

        // Once seen stale it is gone, even if the mark came back.
        Assert.Null(cache.Find<string>(key, 7));
    }

    [Fact]
    public void An_entry_older_than_the_staleness_bound_is_not_used_even_when_nothing_changed()
    {
        var time = new FakeTimeProvider();
        var cache = new SqliteReadCache(time, TimeSpan.FromSeconds(5));
        var key = SqliteReadCache.Key("SELECT 1", Parameters);
        cache.Add(key, 7, time.GetTimestamp(), "rows");

        time.Advance(TimeSpan.FromSeconds(4.9));
        var young = cache.Find<string>(key, 7);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal("rows", young);
        Assert.Null(cache.Find<string>(key, 7));
    }

    [Fact]
    public void Keys_differ_whenever_the_sql_or_any_parameter_differs_even_where_plain_joining_would_collide()
    {
        string[] keys =
        [
            SqliteReadCache.Key("SELECT 1", [("$a", "bc"), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$a", "b"), ("$d", "ce")]),
            SqliteReadCache.Key("SELECT 1", [("$a", "b:c"), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$a", null), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$a", ""), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$a", "1"), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$a", 1), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 2", [("$a", "bc"), ("$d", "e")]),
            SqliteReadCache.Key("SELECT 1", [("$user", "alice")]),
            SqliteReadCache.Key("SELECT 1", [("$user", "bob")]),
        ];

        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }
}
