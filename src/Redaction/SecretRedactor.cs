using System.Text;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// Masks every registered secret value, and its common encodings (<see cref="SecretForms"/>), in text. Thread-safe:
/// readers take no lock and see an immutable snapshot; adding or removing a value publishes a new one.
/// </summary>
public sealed class SecretRedactor
{
    private readonly Lock _writeLock = new();
    private RedactionShard[] _shards = [];

    /// <summary>Creates an empty redactor.</summary>
    public SecretRedactor(RedactionOptions? options = null) => Options = (options ?? new RedactionOptions()).Validate();

    /// <summary>The options this redactor was built with.</summary>
    public RedactionOptions Options { get; }

    /// <summary>How many values are registered.</summary>
    public int Count => Volatile.Read(ref _shards).Sum(s => s.Entries.Count);

    /// <summary>The longest registered form, in characters (a streaming writer holds back one less than this).</summary>
    public int MaxPatternLength => Volatile.Read(ref _shards).Select(s => s.MaxLength).DefaultIfEmpty(0).Max();

    /// <summary>Registers a secret value and all its forms; empty and whitespace-only values are ignored.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The secret's name, shown by <see cref="RedactionOptions.ShowSecretName"/>.</param>
    public void Add(string value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        lock (_writeLock)
        {
            var shards = _shards;
            if (shards.Any(s => s.Entries.Any(e => e.Value == value && e.Name == name)))
            {
                return;
            }

            var entry = new RedactionEntry(value, name, SecretForms.For(value, Options), Options.MinimumValueLength);
            RedactionShard[] next;
            if (shards.Length > 0 && shards[^1].Entries.Count < RedactionShard.Capacity)
            {
                next = [.. shards[..^1], new RedactionShard([.. shards[^1].Entries, entry])];
            }
            else
            {
                next = [.. shards, new RedactionShard([entry])];
            }

            Volatile.Write(ref _shards, next);
        }
    }

    /// <summary>Stops masking a value (for example after rotation, once no run uses it).</summary>
    public void Remove(string value)
    {
        lock (_writeLock)
        {
            var next = _shards
                .Select(s => s.Entries.Any(e => e.Value == value) ? new RedactionShard(s.Entries.Where(e => e.Value != value).ToList()) : s)
                .Where(s => s.Entries.Count > 0)
                .ToArray();
            Volatile.Write(ref _shards, next);
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

    /// <summary>Finds the hits in a span; used by the streaming writer to choose where it may cut.</summary>
    internal List<RedactionHit>? Find(ReadOnlySpan<char> text)
    {
        List<RedactionHit>? hits = null;
        foreach (var shard in Volatile.Read(ref _shards))
        {
            shard.Find(text, ref hits);
        }

        if (hits is { Count: > 1 })
        {
            hits.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        }

        return hits;
    }

    /// <summary>Writes <paramref name="text"/> with the (sorted) hits masked; overlapping and touching hits become one mask.</summary>
    internal string Apply(ReadOnlySpan<char> text, List<RedactionHit> hits)
    {
        var sb = new StringBuilder(text.Length);
        var position = 0;
        var k = 0;
        while (k < hits.Count)
        {
            var (start, end, name) = hits[k++];
            while (k < hits.Count && hits[k].Start <= end)
            {
                end = Math.Max(end, hits[k++].End);
            }

            sb.Append(text[position..start]);
            sb.Append(Options.ShowSecretName && name is not null ? $"[secret:{name}]" : Options.Mask);
            position = end;
        }

        sb.Append(text[position..]);
        return sb.ToString();
    }
}
