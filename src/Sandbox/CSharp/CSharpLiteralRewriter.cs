using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>Rewrites a C# script so that a literal secret value becomes a read of <c>context.Secrets["NAME"]</c> (template export).</summary>
internal static class CSharpLiteralRewriter
{
    /// <summary>
    /// Rewrites the string literals of <paramref name="source"/> that hold <paramref name="value"/> into concatenations
    /// with <c>context.Secrets["NAME"]</c>; any other occurrence is replaced by that read too, so the value never survives.
    /// The caller binds the alias <paramref name="secretName"/> to the secret.
    /// </summary>
    public static string Rewrite(string source, string value, string secretName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(value);
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        var access = $"context.Secrets[\"{secretName}\"]";
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var edits = tree.GetRoot().DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.StringLiteralToken) && t.ValueText.Contains(value, StringComparison.Ordinal))
            .Select(t => (t.SpanStart, t.Span.End, "(" + string.Join(" + " + access + " + ", t.ValueText.Split(value).Select(p => SymbolDisplay.FormatLiteral(p, quote: true))) + ")"))
            .ToList();
        return Expressions.JavaScriptLiteralRewriter.Apply(source, edits).Replace(value, access, StringComparison.Ordinal);
    }
}
