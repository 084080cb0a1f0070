using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Secrets.Runtime.Redaction.Tests.Corpus;

/// <summary>
/// The forms ordinary tools put a value in, by family, each built the way the tool builds it (not by the
/// redactor's code): what the form tests expect masked and the throughput benchmark writes.
/// </summary>
public static class ToolForms
{
    /// <summary>The families, in the order <see cref="Of"/> lists them.</summary>
    public static readonly string[] Families = ["percent", "json", "entities", "base64", "utf16le-base64", "hex", "quoting", "normalisation", "case"];

    /// <summary>Every form of <paramref name="value"/> in <paramref name="family"/>.</summary>
    public static IReadOnlyList<string> Of(string value, string family)
    {
        ArgumentNullException.ThrowIfNull(value);
        var utf8 = Encoding.UTF8.GetBytes(value);
        var base64 = Convert.ToBase64String(utf8);
        return family switch
        {
            "percent" =>
            [
                Uri.EscapeDataString(value),
                LowerHex(Uri.EscapeDataString(value)),
                WebUtility.UrlEncode(value),
                LowerHex(WebUtility.UrlEncode(value)),
                PartialQuote(value),
                AllPercent(utf8),
            ],
            "json" =>
            [
                JsonSerializer.Serialize(value)[1..^1],
                JsonSerializer.Serialize(value, new JsonSerializerOptions { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) })[1..^1],
                LowerUnicodeEscapes(JsonSerializer.Serialize(value)[1..^1]),
                JsonSerializer.Serialize(value, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })[1..^1].Replace("/", "\\/", StringComparison.Ordinal),
                string.Concat(value.Select(c => $"\\u{(int)c:x4}")),
                JsonSerializer.Serialize(JsonSerializer.Serialize(value)[1..^1])[1..^1],
            ],
            "entities" =>
            [
                WebUtility.HtmlEncode(value),
                System.Security.SecurityElement.Escape(value)!,
                string.Concat(value.Select(c => $"&#{(int)c};")),
                string.Concat(value.Select(c => char.IsLetterOrDigit(c) ? c.ToString() : $"&#x{(int)c:x};")),
                string.Concat(value.Select(c => char.IsLetterOrDigit(c) ? c.ToString() : $"&#X{(int)c:X2};")),
            ],
            "base64" =>
            [
                base64,
                base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + value)),
                Wrap(Convert.ToBase64String(Encoding.UTF8.GetBytes("-----key-----\n" + value + "\n" + value)), 64, "\n"),
                Wrap(Convert.ToBase64String(Encoding.UTF8.GetBytes("Subject: x\r\n\r\n" + value + value)), 76, "\r\n"),
            ],
            "utf16le-base64" =>
            [
                Convert.ToBase64String(Encoding.Unicode.GetBytes(value)),
                Convert.ToBase64String(Encoding.Unicode.GetBytes($"Write-Output '{value}'")),
            ],
            "hex" => [Convert.ToHexString(utf8), Convert.ToHexStringLower(utf8)],
            "quoting" =>
            [
                "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'",
                "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'",
                "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
                "\"" + string.Concat(value.Select(c => c is '\\' or '"' or '$' or '`' ? "\\" + c : c.ToString())) + "\"",
            ],
            "normalisation" => [value.Normalize(NormalizationForm.FormC), Nfd(value)],
            "case" => [value.ToUpperInvariant(), value.ToLowerInvariant()],
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown family"),
        };
    }

    /// <summary>Line-wraps <paramref name="text"/> at <paramref name="width"/> columns.</summary>
    public static string Wrap(string text, int width, string newLine)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join(newLine, Enumerable.Range(0, (text.Length + width - 1) / width).Select(i => text.Substring(i * width, Math.Min(width, text.Length - (i * width)))));
    }

    /// <summary>Decomposes the Latin letters with diacritics the generated values use (as a macOS file name or an NFD-normalising tool would).</summary>
    public static string Nfd(string value) =>
        (value ?? throw new ArgumentNullException(nameof(value)))
            .Replace("é", "e\u0301", StringComparison.Ordinal).Replace("ü", "u\u0308", StringComparison.Ordinal).Replace("ñ", "n\u0303", StringComparison.Ordinal);

    private static string LowerHex(string escaped)
    {
        var chars = escaped.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%')
            {
                chars[i + 1] = char.ToLowerInvariant(chars[i + 1]);
                chars[i + 2] = char.ToLowerInvariant(chars[i + 2]);
            }
        }

        return new string(chars);
    }

    private static string LowerUnicodeEscapes(string json) => System.Text.RegularExpressions.Regex.Replace(json, @"\\u([0-9A-F]{4})", m => "\\u" + m.Groups[1].Value.ToLowerInvariant());

    /// <summary>Python's <c>quote(s, safe='/')</c>: everything but letters, digits, <c>_.-~/</c> escaped.</summary>
    private static string PartialQuote(string value) =>
        string.Concat(Encoding.UTF8.GetBytes(value).Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'.' or (byte)'-' or (byte)'~' or (byte)'/' ? ((char)b).ToString() : $"%{b:X2}"));

    private static string AllPercent(byte[] utf8) => string.Concat(utf8.Select(b => $"%{b:x2}"));
}
