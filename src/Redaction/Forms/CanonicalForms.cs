using System.Collections.Frozen;
using System.Text;

namespace Secrets.Runtime.Redaction.Forms;

/// <summary>
/// NFC and NFD of a value, from the generated <see cref="CanonicalDecompositions"/> tables, because
/// <see cref="string.Normalize()"/> does nothing under invariant globalization. Characters beyond the BMP are looked
/// up by code point (as surrogate pairs). Marks are kept in the order given (no canonical reordering), which covers
/// text that was composed or decomposed by one tool.
/// </summary>
internal static class CanonicalForms
{
    private static readonly FrozenDictionary<int, string> Decompose;
    private static readonly FrozenDictionary<string, string> Compose;
    private static readonly int LongestDecomposition;

    static CanonicalForms()
    {
        var decompose = new Dictionary<int, string>();
        var compose = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (table, composes) in new[] { (CanonicalDecompositions.Table, true), (CanonicalDecompositions.DecomposeOnly, false) })
        {
            foreach (var entry in table.Split('|', StringSplitOptions.RemoveEmptyEntries))
            {
                var width = char.IsHighSurrogate(entry[0]) ? 2 : 1;
                var character = entry[..width];
                var parts = entry[width..];
                decompose[char.ConvertToUtf32(character, 0)] = parts;
                if (composes)
                {
                    compose.TryAdd(parts, character);
                    LongestDecomposition = Math.Max(LongestDecomposition, parts.Length);
                }
            }
        }

        Decompose = decompose.ToFrozenDictionary();
        Compose = compose.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The canonical decomposition of <paramref name="text"/>.</summary>
    public static string ToNfd(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var codePoint = width == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            if (Decompose.TryGetValue(codePoint, out var parts))
            {
                sb ??= new StringBuilder(text.Length + 8).Append(text, 0, i);
                sb.Append(parts);
            }
            else
            {
                sb?.Append(text, i, width);
            }

            i += width;
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>The canonical composition of <paramref name="text"/>: decomposed, then the longest known sequences recomposed.</summary>
    public static string ToNfc(string text)
    {
        var nfd = ToNfd(text);
        var sb = new StringBuilder(nfd.Length);
        var i = 0;
        while (i < nfd.Length)
        {
            var composed = false;
            for (var length = Math.Min(LongestDecomposition, nfd.Length - i); length >= 2; length--)
            {
                if (Compose.TryGetValue(nfd.Substring(i, length), out var c))
                {
                    sb.Append(c);
                    i += length;
                    composed = true;
                    break;
                }
            }

            if (!composed)
            {
                sb.Append(nfd[i++]);
            }
        }

        return sb.ToString();
    }
}
