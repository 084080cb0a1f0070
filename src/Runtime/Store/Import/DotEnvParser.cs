using System.Text;

namespace Secrets.Runtime.Store.Import;

/// <summary>
/// Parses <c>.env</c> text: <c>KEY=VALUE</c>, <c>export KEY=VALUE</c>, <c>KEY: VALUE</c>; single quotes literal,
/// double quotes with escapes, both may span lines; <c>${NAME}</c> and <c>${NAME:-default}</c> expand from keys
/// defined earlier in the same file only (never the environment); <c>$(...)</c> is never executed.
/// </summary>
public static class DotEnvParser
{
    /// <summary>Parses <paramref name="text"/>; nothing is thrown for bad lines, they are reported in the document.</summary>
    public static DotEnvDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var warnings = new List<DotEnvIssue>();
        var errors = new List<DotEnvIssue>();
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<SecretName, (DotEnvEntry Entry, string RawKey)>();
        var order = new List<SecretName>();

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            var pos = line.Length - trimmed.Length;
            var exported = false;
            if (trimmed.StartsWith("export", StringComparison.Ordinal) && trimmed.Length > 6 && char.IsWhiteSpace(trimmed[6]))
            {
                exported = true;
                pos += 6;
                while (pos < line.Length && char.IsWhiteSpace(line[pos]))
                {
                    pos++;
                }
            }

            var keyStart = pos;
            while (pos < line.Length && line[pos] != '=' && line[pos] != ':' && !char.IsWhiteSpace(line[pos]))
            {
                pos++;
            }

            var key = line[keyStart..pos];
            while (pos < line.Length && (line[pos] == ' ' || line[pos] == '\t'))
            {
                pos++;
            }

            var isColon = pos < line.Length && line[pos] == ':' && (pos + 1 == line.Length || char.IsWhiteSpace(line[pos + 1]));
            if (pos >= line.Length || (line[pos] != '=' && !isColon))
            {
                if (exported && key.Length > 0 && line[pos..].Trim().Length == 0)
                {
                    errors.Add(new DotEnvIssue(lineNumber, $"'export {key}' has no value; write export {key}=VALUE"));
                }
                else
                {
                    warnings.Add(new DotEnvIssue(lineNumber, "skipped: not a KEY=VALUE statement", Malformed: true));
                }

                continue;
            }

            if (key.Length == 0)
            {
                warnings.Add(new DotEnvIssue(lineNumber, "skipped: no key before '='", Malformed: true));
                continue;
            }

            pos++;
            while (pos < line.Length && (line[pos] == ' ' || line[pos] == '\t'))
            {
                pos++;
            }

            string? value;
            var endLine = i;
            if (pos < line.Length && (line[pos] == '\'' || line[pos] == '"'))
            {
                value = ReadQuoted(lines, ref endLine, pos, defined, out var problem);
                if (value is null)
                {
                    warnings.Add(new DotEnvIssue(lineNumber, $"skipped: {problem}", Malformed: true));
                    continue;
                }

                i = endLine;
            }
            else
            {
                var raw = line[pos..];
                if (raw.StartsWith('#'))
                {
                    raw = string.Empty;
                }
                else
                {
                    for (var k = 1; k < raw.Length; k++)
                    {
                        if (raw[k] == '#' && char.IsWhiteSpace(raw[k - 1]))
                        {
                            raw = raw[..k];
                            break;
                        }
                    }
                }

                value = Expand(raw.Trim(), defined, escapes: false);
            }

            if (!SecretName.TryParse(key, out var name, out var nameError))
            {
                errors.Add(new DotEnvIssue(lineNumber, nameError));
                continue;
            }

            defined[key] = value;
            if (value.Length == 0)
            {
                warnings.Add(new DotEnvIssue(lineNumber, $"skipped: {name.Value} has an empty value (a secret is never empty)"));
                continue;
            }

            if (byName.TryGetValue(name, out var previous))
            {
                if (previous.RawKey != key)
                {
                    errors.Add(new DotEnvIssue(lineNumber, $"key '{key}' collides with '{previous.RawKey}' on line {previous.Entry.Line}: both are {name.Value} once upper-cased"));
                    continue;
                }

                warnings.Add(new DotEnvIssue(lineNumber, $"{name.Value} is defined again (first on line {previous.Entry.Line}); the last definition wins"));
            }
            else
            {
                order.Add(name);
            }

            byName[name] = (new DotEnvEntry(name, value, lineNumber), key);
        }

        return new DotEnvDocument(order.Select(n => byName[n].Entry).ToList(), warnings, errors);
    }

    private static string? ReadQuoted(string[] lines, ref int lineIndex, int start, Dictionary<string, string> defined, out string problem)
    {
        var quote = lines[lineIndex][start];
        var raw = new StringBuilder();
        var index = lineIndex;
        var pos = start + 1;
        while (true)
        {
            var line = lines[index];
            var close = -1;
            for (var k = pos; k < line.Length; k++)
            {
                if (quote == '"' && line[k] == '\\' && k + 1 < line.Length)
                {
                    k++;
                    continue;
                }

                if (line[k] == quote)
                {
                    close = k;
                    break;
                }
            }

            if (close >= 0)
            {
                raw.Append(line, pos, close - pos);
                var rest = line[(close + 1)..].TrimStart();
                if (rest.Length > 0 && rest[0] != '#')
                {
                    problem = "text after the closing quote";
                    return null;
                }

                lineIndex = index;
                problem = string.Empty;
                return quote == '\'' ? raw.ToString() : Expand(raw.ToString(), defined, escapes: true);
            }

            raw.Append(line, pos, line.Length - pos).Append('\n');
            if (++index >= lines.Length)
            {
                problem = $"unterminated {(quote == '"' ? "double" : "single")} quote";
                return null;
            }

            pos = 0;
        }
    }

    private static string Expand(string text, Dictionary<string, string> defined, bool escapes)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (escapes && c == '\\' && i + 1 < text.Length)
            {
                var next = text[i + 1];
                var unescaped = next switch { 'n' => "\n", 'r' => "\r", 't' => "\t", '\\' => "\\", '"' => "\"", '$' => "$", _ => null };
                if (unescaped is not null)
                {
                    sb.Append(unescaped);
                    i++;
                    continue;
                }
            }

            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close > 0)
                {
                    var inner = text[(i + 2)..close];
                    var split = inner.IndexOf(":-", StringComparison.Ordinal);
                    var name = split >= 0 ? inner[..split] : inner;
                    var fallback = split >= 0 ? inner[(split + 2)..] : string.Empty;
                    if (name.Length > 0 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                    {
                        sb.Append(defined.TryGetValue(name, out var found) && found.Length > 0 ? found : fallback);
                        i = close;
                        continue;
                    }
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
