using System.Collections.Frozen;
using System.Text;

namespace Secrets.Runtime.Redaction.Forms;

/// <summary>
/// NFC and NFD of a value, from the generated <see cref="CanonicalDecompositions"/> table, because
/// <see cref="string.Normalize()"/> does nothing under invariant globalization. Marks are kept in the order given
/// (no canonical reordering), which covers text that was composed or decomposed by one tool.
/// </summary>
internal static class CanonicalForms
{
    private static readonly FrozenDictionary<char, string> Decompose;
    private static readonly FrozenDictionary<string, char> Compose;

    static CanonicalForms()
    {
        var decompose = new Dictionary<char, string>();
        var compose = new Dictionary<string, char>(StringComparer.Ordinal);
        foreach (var entry in CanonicalDecompositions.Table.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            decompose[entry[0]] = entry[1..];
            compose.TryAdd(entry[1..], entry[0]);
        }

        Decompose = decompose.ToFrozenDictionary();
        Compose = compose.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The canonical decomposition of <paramref name="text"/>.</summary>
    public static string ToNfd(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (Decompose.TryGetValue(text[i], out var parts))
            {
                sb ??= new StringBuilder(text.Length + 8).Append(text, 0, i);
                sb.Append(parts);
            }
            else
            {
                sb?.Append(text[i]);
            }
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
            for (var length = Math.Min(4, nfd.Length - i); length >= 2; length--)
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
