using System.Text;
using Acornima;
using Acornima.Ast;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>Rewrites JavaScript so that a literal secret value becomes a read of <c>secrets.NAME</c> (template export).</summary>
internal static class JavaScriptLiteralRewriter
{
    /// <summary>
    /// Rewrites the string and template literals of <paramref name="source"/> that hold <paramref name="value"/> into
    /// template literals reading <c>secrets.NAME</c>; any other occurrence (a comment, unparsable source) is replaced
    /// by <c>secrets.NAME</c> too, so the value never survives.
    /// </summary>
    public static string Rewrite(string source, string value, string secretName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(value);
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        var reference = $"${{secrets.{secretName}}}";
        List<(int Start, int End, string Text)> edits = [];
        try
        {
            var program = new Parser().ParseScript(source);
            foreach (var node in program.DescendantNodesAndSelf())
            {
                if (node is StringLiteral literal && literal.Value.Contains(value, StringComparison.Ordinal))
                {
                    var pieces = literal.Value.Split(value).Select(EscapeTemplateText);
                    edits.Add((literal.Start, literal.End, "`" + string.Join(reference, pieces) + "`"));
                }
                else if (node is TemplateElement element && element.Value.Raw.Contains(value, StringComparison.Ordinal))
                {
                    edits.Add((element.Start, element.End, element.Value.Raw.Replace(value, reference, StringComparison.Ordinal)));
                }
            }
        }
        catch (ParseErrorException)
        {
            edits.Clear();
        }

        return Apply(source, edits).Replace(value, $"secrets.{secretName}", StringComparison.Ordinal);
    }

    internal static string Apply(string source, List<(int Start, int End, string Text)> edits)
    {
        var sb = new StringBuilder(source);
        foreach (var (start, end, text) in edits.OrderByDescending(e => e.Start))
        {
            sb.Remove(start, end - start).Insert(start, text);
        }

        return sb.ToString();
    }

    private static string EscapeTemplateText(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal).Replace("${", "\\${", StringComparison.Ordinal);
}
