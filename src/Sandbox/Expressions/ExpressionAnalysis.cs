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
internal sealed record ExpressionAnalysis(IReadOnlySet<string> Secrets, IReadOnlySet<string> Nodes, string? Rejection)
{
    /// <summary>True when the expression reads <c>nodes</c> other than as <c>nodes.ID</c> (for example <c>nodes[id]</c>), so every earlier output must be passed.</summary>
    public bool ReadsNodesDynamically { get; init; }

    /// <summary>When <see cref="Rejection"/> is a breached limit (source length, nesting): which one; else null.</summary>
    public LimitKind? RejectionLimit { get; init; }

    /// <summary>
    /// True when every use of <c>secrets</c> is a read of an upper-case name written in the source (<c>secrets.NAME</c>,
    /// <c>secrets["NAME"]</c>): <c>secrets</c> is never a value, so it is never enumerated, passed on or indexed
    /// dynamically. When every such name is also available, a frozen object with exactly those names behaves as the
    /// proxy would for every access the expression can make, at a fraction of the cost.
    /// </summary>
    internal bool ReadsSecretsByNameOnly { get; init; }

    /// <summary>True when the expression names <c>inputs</c>; otherwise the inputs are not converted for it.</summary>
    internal bool UsesInputs { get; init; } = true;

    /// <summary><see cref="Secrets"/> as an array, for an evaluation to walk without an enumerator.</summary>
    internal string[] SecretList => _secretList ??= [.. Secrets];

    private string[]? _secretList;

    /// <summary>The source as it runs (see <see cref="Wrap(string)"/>), built once per analysis.</summary>
    internal string Wrapped { get; init; } = string.Empty;

    /// <summary>The globals an expression may name; everything else is refused before running.</summary>
    public static IReadOnlySet<string> AllowedGlobals { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "secrets", "nodes", "inputs", "undefined", "NaN", "Infinity",
        "Object", "Array", "String", "Number", "Boolean", "Symbol", "Math", "JSON", "Date", "RegExp",
        "Map", "Set", "WeakMap", "WeakSet", "Promise", "Proxy", "Reflect", "Intl",
        "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError",
        "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent", "decodeURIComponent", "encodeURI", "decodeURI",
        "escape", "unescape",
    };

    /// <summary>The host function every assignment passes its value through (see <see cref="Instrument"/>); a name scripts may not use.</summary>
    internal const string MemoryCheck = "__memoryCheck__";

    private const string Prefix = "(function (secrets, nodes, inputs, " + MemoryCheck + ") { 'use strict'; return (";
    private const string Suffix = "); })";

    /// <summary>For a template, the offset in the expression of each character of the escaped template literal; null for a plain expression.</summary>
    private int[]? TemplateMap { get; init; }

    /// <summary>The source as it runs: line 1 is the wrapper, the expression (or the template literal) starts on line 2, column 1.</summary>
    private static string Wrap(string body) => Prefix + "\n" + body + "\n" + Suffix;

    /// <summary>A template as a template literal: backslashes and backticks escaped, <c>${...}</c> kept; <paramref name="map"/> leads each character back to the template.</summary>
    private static string TemplateLiteral(string template, out int[] map)
    {
        var text = new System.Text.StringBuilder(template.Length + 8);
        var origins = new List<int>(template.Length + 8);
        text.Append('`');
        origins.Add(0);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '\\' && string.CompareOrdinal(template, i + 1, "${", 0, 2) == 0)
            {
                // \${ stays an escaped interpolation.
                text.Append('\\');
                origins.Add(i);
            }
            else if (c is '\\' or '`')
            {
                text.Append('\\').Append(c);
                origins.Add(i);
                origins.Add(i);
            }
            else
            {
                text.Append(c);
                origins.Add(i);
            }
        }

        text.Append('`');
        origins.Add(template.Length);
        map = [.. origins];
        return text.ToString();
    }

    /// <summary>The running body: <see cref="Body"/> with every assignment passed through the memory check.</summary>
    private string RunBody { get; init; } = string.Empty;

    /// <summary>The offset in the expression of each character of <see cref="RunBody"/>; null when it is the expression itself.</summary>
    private int[]? RunMap { get; init; }

    /// <summary>
    /// Where a position of the running source is in the expression as typed (line and column from 1), or null when
    /// it falls in the wrapper.
    /// </summary>
    internal (int Line, int Column)? UserPosition(int line, int column) =>
        line < 2 ? null : Position(RunBody, RunMap, line - 1, column);

    /// <summary>The expression position of a position in the parsed body (line from 1, column from 0).</summary>
    private (int Line, int Column)? BodyPosition(int line, int column) => Position(Body, TemplateMap, line, column);

    private (int Line, int Column)? Position(string text, int[]? map, int line, int column)
    {
        if (map is null)
        {
            var lines = Source.Count(c => c == '\n') + 1;
            return line > lines ? null : (line, column + 1);
        }

        var offset = OffsetOf(text, line, column);
        if (offset < 0 || offset >= map.Length)
        {
            return null;
        }

        var at = Math.Min(map[offset], Source.Length);
        var before = Source.AsSpan(0, at);
        var userLine = before.Count('\n') + 1;
        var lineStart = before.LastIndexOf('\n') + 1;
        return (userLine, at - lineStart + 1);
    }

    private static int OffsetOf(string text, int line, int column)
    {
        var offset = 0;
        for (var l = 1; l < line; l++)
        {
            offset = text.IndexOf('\n', offset);
            if (offset < 0)
            {
                return -1;
            }

            offset++;
        }

        return offset + column;
    }

    /// <summary>The expression as typed.</summary>
    private string Source { get; init; } = string.Empty;

    /// <summary>True when this is the analysis of this very string object (compared by reference: no hashing) in this mode.</summary>
    internal bool IsOf(string expression, bool isTemplate) => ReferenceEquals(Source, expression) && (TemplateMap is not null) == isTemplate;

    /// <summary>What is parsed: the expression, or the template as a template literal.</summary>
    private string Body { get; init; } = string.Empty;

    /// <summary>Analyzes <paramref name="expression"/> under <paramref name="limits"/>.</summary>
    public static ExpressionAnalysis Analyze(string expression, bool isTemplate = false, ExpressionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        limits ??= new ExpressionLimits();
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        if (expression.Length > limits.MaxSourceLength)
        {
            return new ExpressionAnalysis(secrets, nodes, $"limit exceeded: source length ({expression.Length} > {limits.MaxSourceLength} characters)") { RejectionLimit = LimitKind.SourceLength };
        }

        int[]? map = null;
        var body = isTemplate ? TemplateLiteral(expression, out map) : expression;
        var shape = new ExpressionAnalysis(secrets, nodes, null) { Source = expression, Body = body, TemplateMap = map };
        Expression parsed;
        try
        {
            // The expression alone, so that a syntax error is told in its own terms and coordinates.
            parsed = new Parser(new ParserOptions { OnNode = RecordScope }).ParseExpression(body, null, strict: true);
        }
        catch (ParseErrorException ex)
        {
            var at = shape.BodyPosition(ex.LineNumber, ex.Column) ?? (ex.LineNumber, ex.Column);
            return new ExpressionAnalysis(secrets, nodes, $"syntax error at line {at.Line}, column {at.Column}: {ex.Description}");
        }

        var assignments = new List<Acornima.Range>();
        var spreads = new List<Acornima.Range>();
        var staticNodeReads = 0;
        var exactSecretReads = 0;
        var referenced = new List<Identifier>();
        var scopes = new List<IReadOnlySet<string>>();
        string? rejection = null;
        LimitKind? rejectionLimit = null;
        Walk(parsed, 0);
        var runBody = Instrument(body, map, assignments, spreads, out var runMap);
        var nodeReads = referenced.Count(id => id.Name == "nodes");
        var secretReads = referenced.Count(id => id.Name == "secrets");
        return shape with
        {
            Rejection = rejection,
            RejectionLimit = rejection is null ? null : rejectionLimit,
            ReadsNodesDynamically = nodeReads > staticNodeReads,
            ReadsSecretsByNameOnly = secretReads == exactSecretReads,
            UsesInputs = referenced.Exists(id => id.Name == "inputs"),
            Wrapped = Wrap(runBody),
            RunBody = runBody,
            RunMap = runMap,
        };

        void Walk(Node node, int depth, Node? parent = null)
        {
            if (depth > limits.MaxNesting * 4)
            {
                if (rejection is null)
                {
                    rejection = $"limit exceeded: nesting (deeper than {limits.MaxNesting})";
                    rejectionLimit = LimitKind.Nesting;
                }

                return;
            }

            switch (node)
            {
                case ImportExpression:
                    rejection ??= "import() is not available in expressions";
                    break;
                case AssignmentExpression assignment:
                    assignments.Add(assignment.Range);
                    break;
                case SpreadElement spread when parent is not ArrayExpression:
                    // An array grows element by element under the array limit; an object or an argument list takes every element at once.
                    spreads.Add(spread.Argument.Range);
                    break;
                case BigIntLiteral:
                    rejection ??= Where(node, "BigInt is not available in expressions");
                    break;
                case MemberExpression { Object: Identifier { Name: var owner } } member when Key(member) is { } key && IsFree(owner):
                    if (owner == "secrets")
                    {
                        secrets.Add(key.ToUpperInvariant());
                        exactSecretReads += key.All(c => char.ToUpperInvariant(c) == c) ? 1 : 0;
                    }
                    else if (owner == "nodes")
                    {
                        nodes.Add(key);
                        staticNodeReads++;
                    }

                    break;
            }

            var declared = node.UserData as IReadOnlySet<string>;
            if (declared is not null)
            {
                scopes.Add(declared);
            }

            foreach (var child in node.ChildNodes)
            {
                if (child is Identifier id)
                {
                    if (id.Name == MemoryCheck)
                    {
                        rejection ??= Where(id, $"'{MemoryCheck}' is reserved");
                    }

                    if (IsReference(node, id) && IsFree(id.Name))
                    {
                        referenced.Add(id);
                        if (!AllowedGlobals.Contains(id.Name))
                        {
                            rejection ??= Where(id, $"unknown global '{id.Name}'") + "; expressions may use secrets, nodes, inputs and the standard built-ins";
                        }
                    }

                    continue;
                }

                Walk(child, depth + 1, node);
            }

            if (declared is not null)
            {
                scopes.RemoveAt(scopes.Count - 1);
            }
        }

        // A name is free when no enclosing scope declares it: only then does it mean the global.
        bool IsFree(string name)
        {
            for (var i = scopes.Count - 1; i >= 0; i--)
            {
                if (scopes[i].Contains(name))
                {
                    return false;
                }
            }

            return true;
        }

        string Where(Node at, string what) =>
            shape.BodyPosition(at.Location.Start.Line, at.Location.Start.Column) is { } p ? $"{what} at line {p.Line}, column {p.Column}" : what;
    }

    /// <summary>
    /// Passes the value of every assignment through the host's memory check: <c>s += s</c> becomes
    /// <c>__memoryCheck__(s += s)</c>. Jint checks memory between statements only, and one statement of assignments
    /// (<c>(s += s, s += s, ...)</c>) doubles a string as often as it is written; now each step is checked. What is
    /// spread into an object or an argument list is checked for size first: <c>{ ...s }</c> becomes
    /// <c>{ ...__memoryCheck__(s, 1) }</c> (a long string would become that many properties in one step).
    /// </summary>
    private static string Instrument(string body, int[]? map, List<Acornima.Range> assignments, List<Acornima.Range> spreads, out int[]? runMap)
    {
        if (assignments.Count == 0 && spreads.Count == 0)
        {
            runMap = map;
            return body;
        }

        var opens = assignments.Concat(spreads).GroupBy(r => r.Start).ToDictionary(g => g.Key, g => g.Count());
        var closes = assignments.GroupBy(r => r.End).ToDictionary(g => g.Key, g => g.Count());
        var spreadCloses = spreads.GroupBy(r => r.End).ToDictionary(g => g.Key, g => g.Count());
        var text = new System.Text.StringBuilder(body.Length + ((assignments.Count + spreads.Count) * (MemoryCheck.Length + 5)));
        var origins = new List<int>(text.Capacity);
        for (var i = 0; i <= body.Length; i++)
        {
            var origin = map is null ? i : map[Math.Min(i, map.Length - 1)];
            // A spread of an assignment's value opens after it, so it closes first.
            for (var n = spreadCloses.GetValueOrDefault(i); n > 0; n--)
            {
                text.Append(", 1)");
                origins.AddRange(Enumerable.Repeat(origin, 4));
            }

            for (var n = closes.GetValueOrDefault(i); n > 0; n--)
            {
                text.Append(')');
                origins.Add(origin);
            }

            for (var n = opens.GetValueOrDefault(i); n > 0; n--)
            {
                text.Append(MemoryCheck).Append('(');
                origins.AddRange(Enumerable.Repeat(origin, MemoryCheck.Length + 1));
            }

            if (i < body.Length)
            {
                text.Append(body[i]);
                origins.Add(origin);
            }
        }

        runMap = [.. origins];
        return text.ToString();
    }

    /// <summary>Parser callback: a node that opens a scope carries the names declared in it (parameters included).</summary>
    private static void RecordScope(Node node, in OnNodeContext context)
    {
        if (!context.HasScope)
        {
            return;
        }

        ref readonly var scope = ref context.Scope;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in scope.VarVariables)
        {
            names.Add(id.Name);
        }

        foreach (var id in scope.LexicalVariables)
        {
            names.Add(id.Name);
        }

        foreach (var id in scope.Functions)
        {
            names.Add(id.Name);
        }

        switch (node)
        {
            // A function expression's or class's own name is bound inside it; a non-arrow function has arguments.
            case IFunction function:
                if (function.Id is { } fid)
                {
                    names.Add(fid.Name);
                }

                if (node is not ArrowFunctionExpression)
                {
                    names.Add("arguments");
                }

                break;
            case IClass { Id: { } cid }:
                names.Add(cid.Name);
                break;
        }

        node.UserData = names;
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
        IClass c when ReferenceEquals(c.Id, id) => false,
        _ => true,
    };

    private static string? Key(MemberExpression member) => member switch
    {
        { Computed: false, Property: Identifier id } => id.Name,
        { Computed: true, Property: StringLiteral s } => s.Value,
        _ => null,
    };
}
