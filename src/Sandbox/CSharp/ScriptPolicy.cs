using System.Collections.Frozen;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The deny-by-default API policy for code nodes, checked on symbols (restricting references alone does not restrict
/// APIs: System.Private.CoreLib holds File, Environment, Marshal and reflection). Every type and member a script
/// names, and the type of every expression it writes, must be on the curated list.
/// </summary>
internal static class ScriptPolicy
{
    /// <summary>Bumped whenever the rules change; part of the compilation cache key.</summary>
    public const int Version = 3;

    private static readonly FrozenSet<string> AllowedNamespaces = new[]
    {
        "System.Collections.Generic", "System.Linq", "System.Text.RegularExpressions", "System.Text.Json", "System.Text.Json.Nodes",
        "System.Globalization", "System.Numerics",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> AllowedTypes = new[]
    {
        "System.Object", "System.String", "System.Boolean", "System.Char", "System.Byte", "System.SByte", "System.Int16", "System.UInt16",
        "System.Int32", "System.UInt32", "System.Int64", "System.UInt64", "System.Int128", "System.UInt128", "System.Half", "System.Single",
        "System.Double", "System.Decimal", "System.Math", "System.MathF", "System.Convert", "System.DateTime", "System.DateTimeOffset",
        "System.TimeSpan", "System.DateOnly", "System.TimeOnly", "System.Guid", "System.Array", "System.Nullable`1", "System.Void", "System.ValueType",
        "System.Enum", "System.StringComparison", "System.StringComparer", "System.StringSplitOptions", "System.MidpointRounding", "System.DayOfWeek",
        "System.DateTimeKind", "System.Uri", "System.UriKind", "System.UriFormat", "System.UriComponents", "System.Random", "System.BitConverter", "System.Index", "System.Range",
        "System.Span`1", "System.ReadOnlySpan`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.MemoryExtensions", "System.HashCode",
        "System.IComparable", "System.IComparable`1", "System.IEquatable`1", "System.IFormattable", "System.IFormatProvider", "System.IDisposable",
        "System.Lazy`1", "System.Version", "System.FormattableString", "System.Base64FormattingOptions", "System.Environment",
        "System.Exception", "System.ArgumentException", "System.ArgumentNullException", "System.ArgumentOutOfRangeException",
        "System.InvalidOperationException", "System.FormatException", "System.NotSupportedException", "System.NotImplementedException",
        "System.OverflowException", "System.DivideByZeroException", "System.IndexOutOfRangeException", "System.NullReferenceException",
        "System.Text.StringBuilder", "System.Text.Encoding", "System.Text.UTF8Encoding", "System.Text.Rune", "System.Text.NormalizationForm",
        "System.Threading.Tasks.Task", "System.Threading.Tasks.Task`1", "System.Threading.Tasks.ValueTask", "System.Threading.Tasks.ValueTask`1",
        "System.Threading.CancellationToken", "System.Runtime.CompilerServices.TaskAwaiter", "System.Runtime.CompilerServices.TaskAwaiter`1",
        "System.Security.Cryptography.SHA1", "System.Security.Cryptography.SHA256", "System.Security.Cryptography.SHA384", "System.Security.Cryptography.SHA512",
        "System.Security.Cryptography.MD5", "System.Security.Cryptography.HMACSHA1", "System.Security.Cryptography.HMACSHA256",
        "System.Security.Cryptography.HMACSHA384", "System.Security.Cryptography.HMACSHA512", "System.Security.Cryptography.HMACMD5",
        "System.Security.Cryptography.HMAC", "System.Security.Cryptography.KeyedHashAlgorithm", "System.Security.Cryptography.HashAlgorithm",
        "System.Security.Cryptography.IncrementalHash", "System.Security.Cryptography.HashAlgorithmName", "System.Security.Cryptography.RandomNumberGenerator",
        "System.Security.Cryptography.CryptographicOperations",
        "Secrets.Runtime.Sandbox.CSharp.ScriptGlobals", "Secrets.Runtime.Sandbox.CSharp.ScriptContext", "Secrets.Runtime.Sandbox.CSharp.ScriptRunInfo",
        "Secrets.Runtime.Sandbox.CSharp.ScriptHttp", "Secrets.Runtime.Sandbox.CSharp.ScriptHttpResponse",
    }.Concat(Enumerable.Range(1, 8).SelectMany(n => new[] { $"System.Func`{n}", $"System.Action`{n}", $"System.Tuple`{n}", $"System.ValueTuple`{n}" }))
     .Concat(["System.Action", "System.Predicate`1", "System.Comparison`1", "System.Converter`2", "System.ValueTuple", "System.Tuple"])
     .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Members refused even though their type is allowed.</summary>
    private static readonly FrozenSet<string> DeniedMembers = new[]
    {
        "System.Object.GetType", "System.Object.MemberwiseClone", "System.Threading.Tasks.Task.Run", "System.Threading.Tasks.Task.Factory",
        "System.Threading.Tasks.Task.Start", "System.Threading.Tasks.Task.RunSynchronously", "System.Threading.Tasks.Task.ContinueWith",
        "System.Threading.Tasks.Task`1.ContinueWith", "System.Threading.Tasks.Task`1.Factory", "System.Threading.Tasks.Task.Wait",
        "System.Threading.Tasks.Task`1.Result", "System.Array.CreateInstance", "System.Array.CreateInstanceFromArrayType",
        "System.Globalization.CultureInfo.DefaultThreadCurrentCulture", "System.Globalization.CultureInfo.DefaultThreadCurrentUICulture",
        "System.Globalization.CultureInfo.CurrentCulture", "System.Globalization.CultureInfo.CurrentUICulture",
        "System.Text.RegularExpressions.Regex.CacheSize", "System.Text.Json.JsonSerializer.Serialize", "System.Text.Json.JsonSerializer.SerializeAsync",
        "System.Text.Json.JsonSerializer.SerializeToNode", "System.Text.Json.JsonSerializer.SerializeToDocument", "System.Text.Json.JsonSerializer.SerializeToElement",
        "System.Text.Json.JsonSerializer.SerializeToUtf8Bytes", "System.Text.Json.JsonSerializer.Deserialize", "System.Text.Json.JsonSerializer.DeserializeAsync",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The only members of <c>System.Environment</c> a script may read.</summary>
    private static readonly FrozenSet<string> EnvironmentAllowed = new[] { "NewLine" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// True when a type, by metadata name (<c>Namespace.Outer`1+Nested</c>), is on the allow-list; a nested type is
    /// allowed when its outermost type is (its enumerators and the like are part of that type's API).
    /// </summary>
    public static bool IsAllowedTypeName(string name)
    {
        var outer = name.Split('+')[0];
        if (AllowedTypes.Contains(name) || AllowedTypes.Contains(outer))
        {
            return true;
        }

        var dot = outer.LastIndexOf('.');
        return dot > 0 && AllowedNamespaces.Contains(outer[..dot]) && !name.Contains("Reflection", StringComparison.Ordinal);
    }

    /// <summary>True when a member of an allowed type is refused; accessor names (<c>get_X</c>) count as <c>X</c>.</summary>
    public static bool IsDeniedMember(string typeName, string memberName)
    {
        var name = memberName.StartsWith("get_", StringComparison.Ordinal) || memberName.StartsWith("set_", StringComparison.Ordinal) ? memberName[4..]
            : memberName.StartsWith("add_", StringComparison.Ordinal) ? memberName[4..]
            : memberName.StartsWith("remove_", StringComparison.Ordinal) ? memberName[7..]
            : memberName;
        return DeniedMembers.Contains($"{typeName}.{name}") || (typeName == "System.Environment" && !EnvironmentAllowed.Contains(name));
    }

    public static IReadOnlyList<ScriptDiagnostic> Check(SyntaxTree tree, SemanticModel model)
    {
        var diagnostics = new List<ScriptDiagnostic>();
        var covered = new HashSet<SyntaxNode>();
        var root = tree.GetRoot();
        foreach (var node in root.DescendantNodes(descendIntoTrivia: false))
        {
            if (SyntaxRefusal(node) is { } refusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0001", refusal));
                continue;
            }

            if (node is not (ExpressionSyntax or TypeSyntax) || node is LiteralExpressionSyntax || IsNameOfParent(node) || covered.Remove(node))
            {
                continue;
            }

            var info = model.GetSymbolInfo(node);
            var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (CoveredChild(node, symbol) is { } child)
            {
                covered.Add(child);
            }

            if (symbol is not null && SymbolRefusal(symbol) is { } symbolRefusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0002", symbolRefusal));
                continue;
            }

            // A name that is a type or namespace was checked as a symbol just now; its "type" is itself.
            if (node is ExpressionSyntax && symbol is not (ITypeSymbol or INamespaceSymbol) && model.GetTypeInfo(node).Type is { } type && TypeRefusal(type) is { } typeRefusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0003", typeRefusal));
            }
        }

        // One refusal per place is enough; nested names repeat their parent's.
        return diagnostics.DistinctBy(d => (d.Line, d.Message)).ToList();
    }

    private static string? SyntaxRefusal(SyntaxNode node) => node switch
    {
        UnsafeStatementSyntax or FixedStatementSyntax => "unsafe code is not allowed",
        PointerTypeSyntax or FunctionPointerTypeSyntax => "pointers are not allowed",
        StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax => "stackalloc is not allowed",
        DestructorDeclarationSyntax => "finalizers are not allowed",
        BaseFieldDeclarationSyntax f when IsStatic(f.Modifiers) && !f.Modifiers.Any(t => t.IsKind(SyntaxKind.ConstKeyword)) => StaticState,
        PropertyDeclarationSyntax p when IsStatic(p.Modifiers) && p.AccessorList?.Accessors.Any(a => a.Body is null && a.ExpressionBody is null) == true => StaticState,
        AttributeListSyntax => "attributes are not allowed (DllImport, ModuleInitializer and the like)",
        MakeRefExpressionSyntax or RefTypeExpressionSyntax or RefValueExpressionSyntax => "__makeref, __reftype and __refvalue are not allowed",
        MemberDeclarationSyntax m when m.Modifiers.Any(t => t.IsKind(SyntaxKind.UnsafeKeyword) || t.IsKind(SyntaxKind.ExternKeyword)) => "unsafe and extern members are not allowed",
        LocalFunctionStatementSyntax f when f.Modifiers.Any(t => t.IsKind(SyntaxKind.UnsafeKeyword) || t.IsKind(SyntaxKind.ExternKeyword)) => "unsafe and extern functions are not allowed",
        IdentifierNameSyntax { Identifier.Text: "dynamic" } => "dynamic is not allowed",
        _ => null,
    };

    private const string StaticState = "static fields and static auto-properties are not allowed (a worker may run the script again; keep state in variables)";

    /// <summary>
    /// True for the member name of <c>a.B</c>, <c>a?.B</c> or <c>A.B</c>: it binds to the same symbol and type as the
    /// whole access, which is checked itself, so asking the model twice would only double the work.
    /// </summary>
    private static bool IsNameOfParent(SyntaxNode node) => node.Parent switch
    {
        MemberAccessExpressionSyntax access => access.Name == node,
        MemberBindingExpressionSyntax binding => binding.Name == node,
        QualifiedNameSyntax qualified => qualified.Right == node,
        AliasQualifiedNameSyntax alias => alias.Name == node,
        _ => false,
    };

    /// <summary>
    /// The child whose symbol the parent's answers for: the method group of a call (the call binds to the method, and
    /// its type is the method's return type) and the type of a <c>new</c> (the constructor's type, type arguments
    /// included). Asking the model about those again costs more than all the rest of the walk.
    /// </summary>
    private static SyntaxNode? CoveredChild(SyntaxNode node, ISymbol? symbol) => (node, symbol) switch
    {
        (InvocationExpressionSyntax call, IMethodSymbol { MethodKind: not MethodKind.DelegateInvoke }) => call.Expression,
        (ObjectCreationExpressionSyntax creation, IMethodSymbol { MethodKind: MethodKind.Constructor }) => creation.Type,
        _ => null,
    };

    private static bool IsStatic(SyntaxTokenList modifiers) => modifiers.Any(t => t.IsKind(SyntaxKind.StaticKeyword));

    private static string? SymbolRefusal(ISymbol symbol)
    {
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or IDiscardSymbol or INamespaceSymbol or ITypeParameterSymbol:
                return null;
            case IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction }:
                return null;
            case ITypeSymbol type:
                return TypeRefusal(type);
        }

        if (IsFromSource(symbol))
        {
            return null;
        }

        var containing = symbol is IMethodSymbol { ReducedFrom: { } reduced } ? reduced.ContainingType : symbol.ContainingType;
        if (containing is null)
        {
            return $"'{symbol.ToDisplayString()}' is not allowed in code nodes";
        }

        if (IsDeniedMember(MetadataName(containing.OriginalDefinition), symbol.Name))
        {
            return $"'{symbol.ToDisplayString()}' is not allowed in code nodes";
        }

        if (symbol is IMethodSymbol method && method.TypeArguments.FirstOrDefault(t => TypeRefusal(t) is not null) is { } badArgument)
        {
            return TypeRefusal(badArgument);
        }

        return TypeRefusal(containing) is null ? null : $"'{symbol.ToDisplayString()}' is not allowed in code nodes (its type {containing.ToDisplayString()} is not on the allow-list)";
    }

    private static string? TypeRefusal(ITypeSymbol type)
    {
        switch (type)
        {
            case IErrorTypeSymbol or ITypeParameterSymbol:
                return null;
            case IDynamicTypeSymbol:
                return "dynamic is not allowed";
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return "pointers are not allowed";
            case IArrayTypeSymbol array:
                return TypeRefusal(array.ElementType);
            case INamedTypeSymbol named:
                if (named.IsAnonymousType || IsFromSource(named) || named.IsTupleType && named.TupleElements.All(e => TypeRefusal(e.Type) is null))
                {
                    return null;
                }

                var name = MetadataName(named.OriginalDefinition);
                var allowed = AllowedTypes.Contains(name) || (named.ContainingNamespace?.ToDisplayString() is { } ns && AllowedNamespaces.Contains(ns) && !name.Contains("Reflection", StringComparison.Ordinal));
                if (!allowed)
                {
                    return $"'{named.ToDisplayString()}' is not allowed in code nodes (deny by default)";
                }

                return named.TypeArguments.Select(TypeRefusal).FirstOrDefault(r => r is not null)
                    ?? (named.ContainingType is { } outer ? TypeRefusal(outer) : null);
            default:
                return $"'{type.ToDisplayString()}' is not allowed in code nodes";
        }
    }

    private static bool IsFromSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

    private static string MetadataName(INamedTypeSymbol type)
    {
        var names = new Stack<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            names.Push(t.MetadataName);
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : string.Empty;
        return ns + string.Join("+", names);
    }

    private static ScriptDiagnostic Diagnostic(SyntaxNode node, string code, string message)
    {
        var span = node.GetLocation().GetLineSpan().StartLinePosition;
        return new ScriptDiagnostic(span.Line + 1, span.Character + 1, code, message);
    }
}
