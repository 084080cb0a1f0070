using Acornima;
using Acornima.Ast;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// What an expression does, found before it runs: the secrets and nodes it reads statically, the free identifiers
/// it uses, and the first reason to refuse it.
/// </summary>
/// <param name="Secrets">Secret names read statically (<c>secrets.NAME</c>, <c>secrets["NAME"]</c>, <c>secrets?.NAME</c>), upper-cased.</param>
/// <param name="Nodes">Node ids read statically (<c>nodes.ID</c>).</param>
/// <param name="Rejection">Why the expression is refused, or null.</param>
public sealed record ExpressionAnalysis(IReadOnlySet<string> Secrets, IReadOnlySet<string> Nodes, string? Rejection)
{
    /// <summary>True when the expression reads <c>nodes</c> other than as <c>nodes.ID</c> (for example <c>nodes[id]</c>), so every earlier output must be passed.</summary>
    public bool ReadsNodesDynamically { get; init; }

    /// <summary>
    /// True when every use of <c>secrets</c> is a read of an upper-case name written in the source (<c>secrets.NAME</c>,
    /// <c>secrets["NAME"]</c>): <c>secrets</c> is never a value, so it is never enumerated, passed on or indexed
    /// dynamically. When every such name is also available, a frozen object with exactly those names behaves as the
    /// proxy would for every access the expression can make, at a fraction of the cost.
    /// </summary>
    internal bool ReadsSecretsByNameOnly { get; init; }

    /// <summary>True when the expression names <c>inputs</c>; otherwise the inputs are not converted for it.</summary>
    internal bool UsesInputs { get; init; } = true;

    /// <summary>The source as it runs (see <see cref="Wrap"/>), built once per analysis.</summary>
    internal string Wrapped { get; init; } = string.Empty;

    /// <summary>The globals an expression may name; everything else is refused before running.</summary>
    public static IReadOnlySet<string> AllowedGlobals { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "secrets", "nodes", "inputs", "undefined", "NaN", "Infinity",
        "Object", "Array", "String", "Number", "Boolean", "BigInt", "Symbol", "Math", "JSON", "Date", "RegExp",
        "Map", "Set", "WeakMap", "WeakSet", "Promise", "Proxy", "Reflect", "Intl",
        "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError",
        "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent", "decodeURIComponent", "encodeURI", "decodeURI",
        "escape", "unescape", "ArrayBuffer", "DataView", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array",
        "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray", "BigInt64Array", "BigUint64Array",
    };

    /// <summary>Wraps the source the way it is run: a strict function of (secrets, nodes, inputs) returning the expression.</summary>
    internal static string Wrap(string expression, bool isTemplate) => isTemplate
        ? "(function (secrets, nodes, inputs) { 'use strict'; return `" + expression.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal).Replace("\\\\${", "\\${", StringComparison.Ordinal) + "`; })"
        : "(function (secrets, nodes, inputs) { 'use strict'; return (\n" + expression + "\n); })";

    /// <summary>Analyzes <paramref name="expression"/> under <paramref name="limits"/>.</summary>
    public static ExpressionAnalysis Analyze(string expression, bool isTemplate = false, ExpressionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        limits ??= new ExpressionLimits();
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        if (expression.Length > limits.MaxSourceLength)
        {
            return new ExpressionAnalysis(secrets, nodes, $"limit exceeded: source length ({expression.Length} > {limits.MaxSourceLength} characters)");
        }

        Script script;
        string wrapped;
        try
        {
            wrapped = Wrap(expression, isTemplate);
            script = new Parser(new ParserOptions { AllowReturnOutsideFunction = false }).ParseScript(wrapped, strict: true);
        }
        catch (ParseErrorException ex)
        {
            // The wrapper adds one line before a plain expression.
            var lines = expression.Count(c => c == '\n') + 1;
            var line = isTemplate ? ex.LineNumber : Math.Clamp(ex.LineNumber - 1, 1, lines);
            return new ExpressionAnalysis(secrets, nodes, $"syntax error at line {line}, column {ex.Column}: {ex.Description}");
        }

        var declared = new HashSet<string>(StringComparer.Ordinal);
        var staticNodeReads = 0;
        var exactSecretReads = 0;
        var referenced = new List<Identifier>();
        string? rejection = null;
        Walk(script, 0);
        foreach (var id in referenced)
        {
            if (!AllowedGlobals.Contains(id.Name) && !declared.Contains(id.Name))
            {
                rejection ??= $"unknown global '{id.Name}' at line {Math.Max(1, id.Location.Start.Line - (isTemplate ? 0 : 1))}, column {id.Location.Start.Column + 1}; expressions may use secrets, nodes, inputs and the standard built-ins";
            }
        }

        var nodeReads = referenced.Count(id => id.Name == "nodes");
        var secretReads = referenced.Count(id => id.Name == "secrets");
        return new ExpressionAnalysis(secrets, nodes, rejection)
        {
            ReadsNodesDynamically = nodeReads > staticNodeReads,
            ReadsSecretsByNameOnly = secretReads == exactSecretReads,
            UsesInputs = referenced.Exists(id => id.Name == "inputs"),
            Wrapped = wrapped,
        };

        void Walk(Node node, int depth)
        {
            if (depth > limits.MaxNesting * 4)
            {
                rejection ??= $"limit exceeded: nesting (deeper than {limits.MaxNesting})";
                return;
            }

            switch (node)
            {
                case ImportExpression:
                    rejection ??= "import() is not available in expressions";
                    break;
                case MemberExpression { Object: Identifier { Name: var owner } } member when Key(member) is { } key:
                    if (owner == "secrets")
                    {
                        secrets.Add(key.ToUpperInvariant());
                        exactSecretReads += key == key.ToUpperInvariant() ? 1 : 0;
                    }
                    else if (owner == "nodes")
                    {
                        nodes.Add(key);
                        staticNodeReads++;
                    }

                    break;
                case VariableDeclarator { Id: Identifier id }:
                    declared.Add(id.Name);
                    break;
                case IFunction function:
                    if (function.Id is { } fid)
                    {
                        declared.Add(fid.Name);
                    }

                    foreach (var param in function.Params)
                    {
                        foreach (var pid in param.DescendantNodesAndSelf().OfType<Identifier>())
                        {
                            declared.Add(pid.Name);
                        }
                    }

                    break;
                case CatchClause { Param: { } param }:
                    foreach (var pid in param.DescendantNodesAndSelf().OfType<Identifier>())
                    {
                        declared.Add(pid.Name);
                    }

                    break;
                case VariableDeclarator { Id: { } pattern }:
                    foreach (var pid in pattern.DescendantNodesAndSelf().OfType<Identifier>())
                    {
                        declared.Add(pid.Name);
                    }

                    break;
            }

            foreach (var child in node.ChildNodes)
            {
                if (child is Identifier id)
                {
                    if (IsReference(node, id))
                    {
                        referenced.Add(id);
                    }

                    continue;
                }

                Walk(child, depth + 1);
            }
        }
    }

    private static bool IsReference(Node parent, Identifier id) => parent switch
    {
        MemberExpression m when !m.Computed && ReferenceEquals(m.Property, id) => false,
        Property p when !p.Computed && ReferenceEquals(p.Key, id) && !p.Shorthand => false,
        MethodDefinition md when !md.Computed && ReferenceEquals(md.Key, id) => false,
        PropertyDefinition pd when !pd.Computed && ReferenceEquals(pd.Key, id) => false,
        LabeledStatement or BreakStatement or ContinueStatement => false,
        MetaProperty => false,
        IFunction f when f.Params.Contains(id) || ReferenceEquals(f.Id, id) => false,
        _ => true,
    };

    private static string? Key(MemberExpression member) => member switch
    {
        { Computed: false, Property: Identifier id } => id.Name,
        { Computed: true, Property: StringLiteral s } => s.Value,
        _ => null,
    };
}
