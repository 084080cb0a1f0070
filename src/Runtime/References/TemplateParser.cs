using System.Text;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>
/// Parses the <c>{{ ... }}</c> references in a string field of a node's configuration:
/// <c>{{$secret.NAME}}</c>, <c>{{secrets.NAME}}</c>, <c>{{NAME}}</c> (a bare upper-case name),
/// <c>{{nodes.ID.output.path}}</c>, <c>{{inputs.path}}</c> and <c>{{= javascript }}</c>. <c>\{{</c> is a literal <c>{{</c>.
/// </summary>
internal static class TemplateParser
{
    /// <summary>Splits <paramref name="text"/> into parts; malformed references are reported in <see cref="ParsedTemplate.Errors"/>.</summary>
    public static ParsedTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<TemplatePart>();
        var errors = new List<string>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\\' && Matches(text, i + 1, "{{"))
            {
                literal.Append("{{");
                i += 3;
                continue;
            }

            if (!Matches(text, i, "{{"))
            {
                literal.Append(text[i++]);
                continue;
            }

            var close = text.IndexOf("}}", i + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                errors.Add($"'{{{{' at position {i + 1} is never closed with '}}}}' (write \\{{{{ for a literal '{{{{')");
                literal.Append(text, i, text.Length - i);
                break;
            }

            // A JavaScript expression may itself hold "}}" (an object literal); take the last "}}" that keeps braces balanced.
            if (text.AsSpan(i + 2).TrimStart().StartsWith("="))
            {
                close = FindExpressionEnd(text, i + 2) ?? close;
            }

            if (literal.Length > 0)
            {
                parts.Add(new TemplatePart.Literal(literal.ToString()));
                literal.Clear();
            }

            var raw = text[i..(close + 2)];
            var inner = text[(i + 2)..close].Trim();
            var part = ParseInner(inner, raw, out var error);
            if (error is not null)
            {
                errors.Add(error);
            }

            if (part is not null)
            {
                parts.Add(part);
            }

            i = close + 2;
        }

        if (literal.Length > 0)
        {
            parts.Add(new TemplatePart.Literal(literal.ToString()));
        }

        return new ParsedTemplate(parts, errors);
    }

    private static TemplatePart? ParseInner(string inner, string raw, out string? error)
    {
        error = null;
        if (inner.StartsWith('='))
        {
            var source = inner[1..].Trim();
            if (source.Length == 0)
            {
                error = $"{raw} has no expression after '='";
                return null;
            }

            return new TemplatePart.Expression(source, raw);
        }

        if (inner.Length == 0)
        {
            error = $"{raw} is empty; write {{{{secrets.NAME}}}} for a secret or {{{{nodes.ID.output}}}} for a node output";
            return null;
        }

        var segments = inner.Split('.');
        var head = segments[0];
        if (segments.Length == 1)
        {
            if (SecretName.IsCanonical(head))
            {
                return new TemplatePart.Secret(new SecretReference(SecretName.Parse(head), ReferenceSyntax.Bare, raw));
            }

            error = $"{raw} is not a reference: a bare name must be an upper-case secret name (A-Z, 0-9, _); anything else needs a dotted path such as {{{{secrets.{head}}}}} or {{{{nodes.{head}.output}}}}";
            return null;
        }

        if (head is "$secret" or "secrets")
        {
            if (segments.Length != 2)
            {
                error = $"{raw} is malformed: a secret reference is {head}.NAME with no further path";
                return null;
            }

            if (!SecretName.TryParse(segments[1], out var name, out var nameError))
            {
                error = $"{raw} is malformed: {nameError}";
                return null;
            }

            var syntax = head == "$secret" ? ReferenceSyntax.DollarSecret : ReferenceSyntax.Secrets;
            return new TemplatePart.Secret(new SecretReference(name, syntax, raw));
        }

        if (head is "nodes" or "inputs")
        {
            if (segments.Skip(1).Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
            {
                error = $"{raw} is malformed: a path segment is empty or holds white space";
                return null;
            }

            if (head == "nodes" && (segments.Length < 3 || segments[2] != "output"))
            {
                error = $"{raw} is malformed: a node output is written nodes.ID.output or nodes.ID.output.path";
                return null;
            }

            return new TemplatePart.DataPath(head, segments[1..], raw);
        }

        error = $"{raw} is not a known reference: use $secret.NAME, secrets.NAME, NAME, nodes.ID.output or inputs.path";
        return null;
    }

    private static int? FindExpressionEnd(string text, int start)
    {
        var depth = 0;
        char quote = '\0';
        for (var k = start; k < text.Length - 1; k++)
        {
            var c = text[k];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    k++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'' or '`':
                    quote = c;
                    break;
                case '{':
                    depth++;
                    break;
                case '}' when depth > 0:
                    depth--;
                    break;
                case '}' when text[k + 1] == '}':
                    return k;
            }
        }

        return null;
    }

    private static bool Matches(string text, int index, string token) =>
        index >= 0 && index + token.Length <= text.Length && string.CompareOrdinal(text, index, token, 0, token.Length) == 0;
}
