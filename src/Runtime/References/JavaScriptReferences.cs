using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>The names a piece of JavaScript reads statically: <c>secrets.NAME</c>, <c>secrets["NAME"]</c>, <c>nodes.ID</c>.</summary>
/// <param name="Secrets">Secret names read, upper-cased.</param>
/// <param name="Nodes">Node ids read through <c>nodes.ID</c> or <c>nodes["ID"]</c>.</param>
/// <param name="SyntaxError">Why the expression would be refused before running (syntax, unknown global), else null.</param>
internal sealed record JavaScriptReferences(IReadOnlySet<SecretName> Secrets, IReadOnlySet<string> Nodes, string? SyntaxError)
{
    /// <summary>Analyzes <paramref name="source"/> exactly as the expression evaluator will before running it.</summary>
    public static JavaScriptReferences Find(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var analysis = ExpressionAnalysis.Analyze(source);
        var secrets = analysis.Secrets.Select(n => SecretName.TryParse(n, out var name, out _) ? name : (SecretName?)null).OfType<SecretName>().ToHashSet();
        return new JavaScriptReferences(secrets, analysis.Nodes, analysis.Rejection);
    }
}
