using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>
/// The console's sign-in sessions, held in this server's memory: the browser keeps only a random session id in an
/// HttpOnly cookie; the API token it signed in with stays here and is checked again on every request, so revoking the
/// token ends the session at once. Sessions end after <see cref="IdleTimeout"/> without use, after
/// <see cref="Lifetime"/> in any case, at sign-out, and when the server restarts.
/// </summary>
internal sealed class ConsoleSessions(TimeProvider clock)
{
    /// <summary>A session unused this long ends.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(2);

    /// <summary>No session outlives this.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>The most sessions held at once; the oldest are dropped first.</summary>
    public const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="token"/>; returns its id (the cookie's value).</summary>
    public string Start(string token)
    {
        Prune();
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        _sessions[id] = new Entry(token, now, now);
        return id;
    }

    /// <summary>The token of a live session, or null; touching it keeps it alive.</summary>
    public string? TokenOf(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var entry))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (now - entry.LastUsed > IdleTimeout || now - entry.Started > Lifetime)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        _sessions[id] = entry with { LastUsed = now };
        return entry.Token;
    }

    /// <summary>Ends a session.</summary>
    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            _sessions.TryRemove(id, out _);
        }
    }

    private void Prune()
    {
        if (_sessions.Count < MaxSessions)
        {
            return;
        }

        foreach (var stale in _sessions.OrderBy(s => s.Value.LastUsed).Take(_sessions.Count - MaxSessions + 1).ToList())
        {
            _sessions.TryRemove(stale.Key, out _);
        }
    }

    private sealed record Entry(string Token, DateTimeOffset Started, DateTimeOffset LastUsed);
}
