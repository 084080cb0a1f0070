using System.Buffers;
using System.Collections.Frozen;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// An immutable group of secrets and all their forms behind one <see cref="SearchValues{T}"/>. Adding a secret
/// rebuilds only the shard it lands in, so registering one more value stays cheap however many are registered.
/// </summary>
internal sealed class RedactionShard
{
    public const int Capacity = 1024;

    private readonly SearchValues<string> _finder;
    private readonly FrozenDictionary<char, RedactionPattern[]> _byFirst;

    public RedactionShard(IReadOnlyList<RedactionEntry> entries)
    {
        Entries = entries;
        var patterns = entries.SelectMany(e => e.Forms.Select(f => new RedactionPattern(f, e.Name, f.Length < e.MinimumLength && f == e.Value))).ToList();
        _finder = SearchValues.Create(patterns.Select(p => p.Text).Distinct(StringComparer.Ordinal).ToArray(), StringComparison.Ordinal);
        _byFirst = patterns.GroupBy(p => p.Text[0]).ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(p => p.Text.Length).ToArray());
        MaxLength = patterns.Count == 0 ? 0 : patterns.Max(p => p.Text.Length);
    }

    public IReadOnlyList<RedactionEntry> Entries { get; }

    public int MaxLength { get; }

    /// <summary>Adds every hit in <paramref name="text"/> to <paramref name="hits"/> (allocated on the first hit).</summary>
    public void Find(ReadOnlySpan<char> text, ref List<RedactionHit>? hits)
    {
        var position = 0;
        while (position < text.Length)
        {
            var found = text[position..].IndexOfAny(_finder);
            if (found < 0)
            {
                return;
            }

            var at = position + found;
            foreach (var pattern in _byFirst[text[at]])
            {
                if (text[at..].StartsWith(pattern.Text, StringComparison.Ordinal) && (!pattern.TokenOnly || IsToken(text, at, pattern.Text.Length)))
                {
                    (hits ??= []).Add(new RedactionHit(at, at + pattern.Text.Length, pattern.Name));
                }
            }

            position = at + 1;
        }
    }

    private static bool IsToken(ReadOnlySpan<char> text, int start, int length) =>
        (start == 0 || !char.IsLetterOrDigit(text[start - 1])) && (start + length >= text.Length || !char.IsLetterOrDigit(text[start + length]));
}
