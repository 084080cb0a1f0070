using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// The forms a secret value commonly takes in text, all of which must be masked: the value itself, trimmed and
/// unquoted; each line of a multi-line value and its LF/CRLF variants; JSON, Serilog, URL, form, XML/HTML and
/// backslash escaping; Base64 (standard and URL-safe, padded or not) at byte offsets 0, 1 and 2.
/// </summary>
public static class SecretForms
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Default = new() { Encoder = JavaScriptEncoder.Default };
    private static readonly JsonSerializerOptions AllUnicode = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <summary>Every form of <paramref name="value"/> worth masking, distinct; <paramref name="value"/> itself first.</summary>
    public static IReadOnlyList<string> For(string value, RedactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var forms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(value))
        {
            return forms;
        }

        void AddRaw(string form)
        {
            if (form.Length > 0 && seen.Add(form))
            {
                forms.Add(form);
            }
        }

        void Derived(string form)
        {
            if (form.Length >= options.MinimumDerivedLength && !string.IsNullOrWhiteSpace(form))
            {
                AddRaw(form);
            }
        }

        AddRaw(value);
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
                Derived(line);
                Derived(line.Trim());
            }
        }

        foreach (var b in bases.Distinct(StringComparer.Ordinal).ToList())
        {
            if (b.Length < options.MinimumValueLength)
            {
                AddRaw(b);
                continue;
            }

            Derived(b);
            var json = JsonSerializer.Serialize(b, Default)[1..^1];
            Derived(json);
            Derived(JsonSerializer.Serialize(b, Relaxed)[1..^1]);
            Derived(JsonSerializer.Serialize(b, AllUnicode)[1..^1]);
            Derived(MinimalJson(b));
            Derived(b.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
            Derived(b.Replace("\"", "\\\"", StringComparison.Ordinal));
            var uri = Uri.EscapeDataString(b);
            Derived(uri);
            Derived(LowerHex(uri));
            var form = WebUtility.UrlEncode(b);
            Derived(form);
            Derived(UpperHex(form));
            Derived(WebUtility.HtmlEncode(b));
            Derived(System.Security.SecurityElement.Escape(b) ?? b);
            Derived(b.Replace("'", "&apos;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal));
            Derived(Backslashed(b));
            foreach (var base64 in Base64Forms(Encoding.UTF8.GetBytes(b)))
            {
                Derived(base64);
            }
        }

        return forms;
    }

    /// <summary>
    /// Base64 of the value when it stands at byte offset 0, 1 or 2 of a larger buffer (<c>base64("user:" + secret)</c>),
    /// with the characters that depend on neighbouring bytes cut off, in standard and URL-safe alphabets.
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
            var stableBytes = (offset + bytes.Length) / 3 * 3;
            var stableChars = stableBytes / 3 * 4;
            var stable = stableChars > skip ? encoded[skip..stableChars] : string.Empty;
            if (offset == 0)
            {
                yield return encoded;
                yield return encoded.TrimEnd('=');
            }

            yield return stable;
            var urlSafe = stable.Replace('+', '-').Replace('/', '_');
            yield return urlSafe;

            // When the value ends the buffer its last group is deterministic too: mask through the padding, so
            // base64("user:" + secret) leaves no trailing characters that encode the secret's last bytes.
            if (offset > 0 && encoded.Length > skip)
            {
                var tail = encoded[skip..];
                yield return tail;
                yield return tail.TrimEnd('=');
                yield return tail.Replace('+', '-').Replace('/', '_');
                yield return tail.Replace('+', '-').Replace('/', '_').TrimEnd('=');
            }
            if (offset == 0)
            {
                yield return encoded.Replace('+', '-').Replace('/', '_');
                yield return encoded.Replace('+', '-').Replace('/', '_').TrimEnd('=');
            }
        }
    }

    private static string MinimalJson(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    private static string Backslashed(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '"' or '\'' or '$' or '`' or ' ')
            {
                sb.Append('\\');
            }

            sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => c.ToString() });
        }

        return sb.ToString();
    }

    private static string LowerHex(string escaped) => ChangeHexCase(escaped, upper: false);

    private static string UpperHex(string escaped) => ChangeHexCase(escaped, upper: true);

    private static string ChangeHexCase(string escaped, bool upper)
    {
        var chars = escaped.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%')
            {
                chars[i + 1] = upper ? char.ToUpperInvariant(chars[i + 1]) : char.ToLowerInvariant(chars[i + 1]);
                chars[i + 2] = upper ? char.ToUpperInvariant(chars[i + 2]) : char.ToLowerInvariant(chars[i + 2]);
            }
        }

        return new string(chars);
    }
}
