using Acornima;
using Acornima.Ast;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>The names a piece of JavaScript reads statically: <c>secrets.NAME</c>, <c>secrets["NAME"]</c>, <c>nodes.ID</c>.</summary>
/// <param name="Secrets">Secret names read, upper-cased.</param>
/// <param name="Nodes">Node ids read through <c>nodes.ID</c> or <c>nodes["ID"]</c>.</param>
/// <param name="SyntaxError">The parser's message when the source is not valid JavaScript, else null.</param>
public sealed record JavaScriptReferences(IReadOnlySet<SecretName> Secrets, IReadOnlySet<string> Nodes, string? SyntaxError)
{
    /// <summary>Parses <paramref name="source"/> (a script or expression) and collects its static references.</summary>
    public static JavaScriptReferences Find(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var secrets = new HashSet<SecretName>();
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        Node root;
        try
        {
            root = new Parser().ParseScript(source, strict: true);
        }
        catch (ParseErrorException ex)
        {
            // The parser's description names the construct, never a runtime value.
            return new JavaScriptReferences(secrets, nodes, $"JavaScript syntax error at line {ex.LineNumber}, column {ex.Column}: {ex.Description}");
        }

        foreach (var node in root.DescendantNodesAndSelf())
        {
            if (node is MemberExpression { Object: Identifier { Name: var owner } } member && Key(member) is { } key)
            {
                if (owner == "secrets" && SecretName.TryParse(key, out var name, out _))
                {
                    secrets.Add(name);
                }
                else if (owner == "nodes")
                {
                    nodes.Add(key);
                }
            }
        }

        return new JavaScriptReferences(secrets, nodes, null);
    }

    private static string? Key(MemberExpression member) => member switch
    {
        { Computed: false, Property: Identifier id } => id.Name,
        { Computed: true, Property: StringLiteral s } => s.Value,
        _ => null,
    };
}
