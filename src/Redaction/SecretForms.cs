using System.Net;
using System.Text;
using Secrets.Runtime.Redaction.Forms;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// The texts registered for a secret value. Escapings that a decoder undoes are not registered: percent-encoding,
/// HTML/XML entities, JSON and backslash escapes and line-wrapped Base64 are matched through decoded views of the
/// text (see the README). What is registered: the value itself, trimmed and unquoted; each line of a multi-line
/// value and its LF/CRLF variants; its NFC and NFD forms; form encoding with <c>+</c> for space; shell
/// (<c>'\''</c>) and SQL (doubled quote) quoting; hex of its UTF-8 bytes (any case); Base64 of its UTF-8 and its
/// UTF-16LE bytes, standard and URL-safe, at byte offsets 0, 1 and 2.
/// </summary>
internal static class SecretForms
{
    /// <summary>Every registered form of <paramref name="value"/>, distinct; <paramref name="value"/> itself first.</summary>
    public static IReadOnlyList<string> For(string value, RedactionOptions options) => Registered(value, options).Select(f => f.Text).ToList();

    /// <summary>The forms with their case rule: hex ignores case, Base64 never does, other text above <see cref="RedactionOptions.CaseInsensitiveMinimumLength"/>.</summary>
    internal static List<RegisteredForm> Registered(string value, RedactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var forms = new List<RegisteredForm>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(value))
        {
            return forms;
        }

        void Add(string form, bool ignoreCase)
        {
            if (form.Length > 0 && seen.Add(form))
            {
                forms.Add(new RegisteredForm(form, ignoreCase));
            }
        }

        void Text(string form)
        {
            if (form.Length >= options.MinimumDerivedLength && !string.IsNullOrWhiteSpace(form))
            {
                Add(form, form.Length >= options.CaseInsensitiveMinimumLength);
            }
        }

        void Encoded(string form, bool ignoreCase)
        {
            if (form.Length >= options.MinimumDerivedLength)
            {
                Add(form, ignoreCase);
            }
        }

        Add(value, value.Length >= options.CaseInsensitiveMinimumLength);
        var bases = new List<string> { value };
        var trimmed = value.Trim();
        bases.Add(trimmed);
        if (trimmed.Length >= 2 && (trimmed[0] is '"' or '\'') && trimmed[^1] == trimmed[0])
        {
            bases.Add(trimmed[1..^1]);
        }

        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            var lf = value.Replace("\r\n", "\n", StringComparison.Ordinal);
            bases.Add(lf);
            bases.Add(lf.Replace("\n", "\r\n", StringComparison.Ordinal));
            foreach (var line in lf.Split('\n'))
            {
                Text(line);
                Text(line.Trim());
            }
        }

        // ASCII text is the same in every normalisation form.
        foreach (var b in bases.Where(b => !System.Text.Ascii.IsValid(b)).ToList())
        {
            bases.Add(CanonicalForms.ToNfc(b));
            bases.Add(CanonicalForms.ToNfd(b));
        }

        foreach (var b in bases.Distinct(StringComparer.Ordinal))
        {
            if (b.Length < options.MinimumValueLength)
            {
                Add(b, ignoreCase: false);
                continue;
            }

            Text(b);
            Text(WebUtility.UrlEncode(b));
            if (b.Contains('\'', StringComparison.Ordinal))
            {
                Text(b.Replace("'", "'\\''", StringComparison.Ordinal));
                Text(b.Replace("'", "'\"'\"'", StringComparison.Ordinal));
                Text(b.Replace("'", "''", StringComparison.Ordinal));
            }

            if (b.Contains('"', StringComparison.Ordinal))
            {
                Text(b.Replace("\"", "\"\"", StringComparison.Ordinal));
            }

            var utf8 = Encoding.UTF8.GetBytes(b);
            if (utf8.Length >= 8)
            {
                Encoded(Convert.ToHexString(utf8), ignoreCase: true);
            }

            foreach (var base64 in Base64Forms(utf8).Concat(Base64Forms(Encoding.Unicode.GetBytes(b))))
            {
                if (base64.Length >= options.MinimumDerivedLength && seen.Add(base64))
                {
                    forms.Add(new RegisteredForm(base64, IgnoreCase: false, Base64: true));
                }
            }
        }

        return forms;
    }

    /// <summary>
    /// Base64 of the value when it stands at byte offset 0, 1 or 2 of a larger buffer (<c>base64("user:" + secret)</c>),
    /// cut to the characters that depend on the value's bytes alone, in standard and URL-safe alphabets. A hit extends
    /// over the following characters of the last group and the padding (<see cref="RegisteredForm.Base64"/>), so
    /// base64("user:" + secret) leaves no trailing character that encodes the secret's last bytes.
    /// </summary>
    private static IEnumerable<string> Base64Forms(byte[] bytes)
    {
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + bytes.Length];
            bytes.CopyTo(padded, offset);
            var encoded = Convert.ToBase64String(padded);

            // Characters before index skip depend on the preceding bytes; after the last full group, on the following ones.
            var skip = offset == 0 ? 0 : offset + 1;
            var stableChars = (offset + bytes.Length) / 3 * 4;
            var stable = stableChars > skip ? encoded[skip..stableChars] : string.Empty;
            yield return stable;
            yield return UrlSafe(stable);
        }
    }

    private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');
}
