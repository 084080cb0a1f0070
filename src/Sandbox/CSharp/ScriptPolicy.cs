using System.Collections.Frozen;
using System.Collections.Immutable;
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
    public const int Version = 8;

    /// <summary>
    /// Every type a script may use, by metadata name, each named on its own: no namespace is allowed as a whole, so a
    /// type added to a namespace by a later runtime (the way <c>System.Numerics.Vector</c> arrived with its
    /// bounds-free <c>LoadUnsafe</c>) is refused until someone reviews it. A nested type is allowed with its outermost
    /// type (enumerators and the like are part of that type's API). Left out on purpose: <c>System.Numerics.Vector*</c>
    /// and <c>System.Runtime.Intrinsics</c> (raw loads and stores), <c>Matrix*</c>, <c>Quaternion</c>, <c>Plane</c>
    /// (no script needs them), <c>RegexRunner</c> and
    /// <c>RegexCompilationInfo</c> (regex compilation internals).
    /// </summary>
    private static readonly FrozenSet<string> AllowedTypes = new[]
    {
        "System.Object", "System.String", "System.Boolean", "System.Char", "System.Byte", "System.SByte", "System.Int16", "System.UInt16",
        "System.Int32", "System.UInt32", "System.Int64", "System.UInt64", "System.Int128", "System.UInt128", "System.Half", "System.Single",
        "System.Double", "System.Decimal", "System.Math", "System.MathF", "System.Convert", "System.DateTime", "System.DateTimeOffset",
        "System.TimeSpan", "System.DateOnly", "System.TimeOnly", "System.Guid", "System.Array", "System.Nullable`1", "System.Void", "System.ValueType",
        "System.Enum", "System.StringComparison", "System.StringComparer", "System.StringSplitOptions", "System.MidpointRounding", "System.DayOfWeek",
        "System.DateTimeKind", "System.Random", "System.BitConverter", "System.Index", "System.Range",
        "System.Span`1", "System.ReadOnlySpan`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.MemoryExtensions", "System.HashCode",
        "System.IComparable", "System.IComparable`1", "System.IEquatable`1", "System.IFormattable", "System.IFormatProvider", "System.IDisposable",
        "System.Collections.IEnumerable", "System.Collections.IEnumerator", "System.Lazy`1", "System.Version", "System.FormattableString", "System.Base64FormattingOptions", "System.Environment",
        "System.Exception", "System.ArgumentException", "System.ArgumentNullException", "System.ArgumentOutOfRangeException",
        "System.InvalidOperationException", "System.FormatException", "System.NotSupportedException", "System.NotImplementedException",
        "System.OverflowException", "System.DivideByZeroException", "System.IndexOutOfRangeException", "System.NullReferenceException",
        "System.Text.StringBuilder", "System.Text.Encoding", "System.Text.UTF8Encoding", "System.Text.Rune", "System.Text.NormalizationForm",
        "System.Threading.Tasks.Task", "System.Threading.Tasks.Task`1", "System.Threading.Tasks.ValueTask", "System.Threading.Tasks.ValueTask`1",
        "System.Threading.CancellationToken", "System.Runtime.CompilerServices.TaskAwaiter", "System.Runtime.CompilerServices.TaskAwaiter`1",
        "System.Runtime.CompilerServices.ValueTaskAwaiter", "System.Runtime.CompilerServices.ValueTaskAwaiter`1",
        "System.Runtime.CompilerServices.YieldAwaitable", "System.IAsyncDisposable",
        "System.Security.Cryptography.SHA1", "System.Security.Cryptography.SHA256", "System.Security.Cryptography.SHA384", "System.Security.Cryptography.SHA512",
        "System.Security.Cryptography.MD5", "System.Security.Cryptography.HMACSHA1", "System.Security.Cryptography.HMACSHA256",
        "System.Security.Cryptography.HMACSHA384", "System.Security.Cryptography.HMACSHA512", "System.Security.Cryptography.HMACMD5",
        "System.Security.Cryptography.HMAC", "System.Security.Cryptography.KeyedHashAlgorithm", "System.Security.Cryptography.HashAlgorithm",
        "System.Security.Cryptography.IncrementalHash", "System.Security.Cryptography.HashAlgorithmName", "System.Security.Cryptography.RandomNumberGenerator",
        "System.Security.Cryptography.CryptographicOperations",

        // Public-key signatures and authenticated encryption: keys from PEM or generated, sign and verify, AES-GCM, HKDF.
        // Create(name) stays refused by the member rules (CryptoConfig instantiates types by name).
        "System.Security.Cryptography.AsymmetricAlgorithm", "System.Security.Cryptography.RSA", "System.Security.Cryptography.RSAParameters",
        "System.Security.Cryptography.RSASignaturePadding", "System.Security.Cryptography.RSASignaturePaddingMode",
        "System.Security.Cryptography.RSAEncryptionPadding", "System.Security.Cryptography.RSAEncryptionPaddingMode",
        "System.Security.Cryptography.ECAlgorithm", "System.Security.Cryptography.ECDsa", "System.Security.Cryptography.ECCurve",
        "System.Security.Cryptography.ECParameters", "System.Security.Cryptography.ECPoint", "System.Security.Cryptography.DSASignatureFormat",
        "System.Security.Cryptography.PbeParameters", "System.Security.Cryptography.PbeEncryptionAlgorithm",
        "System.Security.Cryptography.AesGcm", "System.Security.Cryptography.HKDF", "System.Security.Cryptography.CryptographicException",

        // URLs and their encodings (no IO: a Uri is parsed text; requests go through context.Http).
        "System.Uri", "System.UriBuilder", "System.UriKind", "System.UriComponents", "System.UriFormat", "System.UriPartial",
        "System.UriHostNameType", "System.UriCreationOptions", "System.UriFormatException", "System.Net.WebUtility",

        // Time zones from the read-only /usr/share/zoneinfo; ClearCachedData (process-wide) is refused below.
        "System.TimeZoneInfo", "System.TimeZoneNotFoundException", "System.InvalidTimeZoneException",

        // System.Collections.Generic
        "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
        "System.Collections.Generic.Queue`1", "System.Collections.Generic.Stack`1", "System.Collections.Generic.SortedDictionary`2",
        "System.Collections.Generic.SortedList`2", "System.Collections.Generic.SortedSet`1", "System.Collections.Generic.LinkedList`1",
        "System.Collections.Generic.LinkedListNode`1", "System.Collections.Generic.PriorityQueue`2", "System.Collections.Generic.OrderedDictionary`2",
        "System.Collections.Generic.KeyValuePair`2", "System.Collections.Generic.KeyValuePair", "System.Collections.Generic.Comparer`1",
        "System.Collections.Generic.EqualityComparer`1", "System.Collections.Generic.KeyNotFoundException", "System.Collections.Generic.CollectionExtensions",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.IEnumerator`1", "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IList`1", "System.Collections.Generic.IDictionary`2", "System.Collections.Generic.IReadOnlyCollection`1",
        "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.ISet`1",
        "System.Collections.Generic.IReadOnlySet`1", "System.Collections.Generic.IComparer`1", "System.Collections.Generic.IEqualityComparer`1",
        "System.Collections.Generic.IAsyncEnumerable`1", "System.Collections.Generic.IAsyncEnumerator`1",

        // System.Linq
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.ILookup`2", "System.Linq.IOrderedEnumerable`1", "System.Linq.Lookup`2",

        // System.Text.RegularExpressions
        "System.Text.RegularExpressions.Regex", "System.Text.RegularExpressions.Match", "System.Text.RegularExpressions.Group",
        "System.Text.RegularExpressions.Capture", "System.Text.RegularExpressions.MatchCollection", "System.Text.RegularExpressions.GroupCollection",
        "System.Text.RegularExpressions.CaptureCollection", "System.Text.RegularExpressions.RegexOptions", "System.Text.RegularExpressions.MatchEvaluator",
        "System.Text.RegularExpressions.ValueMatch", "System.Text.RegularExpressions.RegexMatchTimeoutException",
        "System.Text.RegularExpressions.RegexParseException", "System.Text.RegularExpressions.RegexParseError",

        // System.Text.Json and System.Text.Json.Nodes
        "System.Text.Json.JsonDocument", "System.Text.Json.JsonElement", "System.Text.Json.JsonProperty", "System.Text.Json.JsonValueKind",
        "System.Text.Json.JsonDocumentOptions", "System.Text.Json.JsonSerializerOptions", "System.Text.Json.JsonSerializerDefaults",
        "System.Text.Json.JsonNamingPolicy", "System.Text.Json.JsonCommentHandling", "System.Text.Json.JsonException", "System.Text.Json.JsonEncodedText",
        "System.Text.Json.JsonReaderOptions", "System.Text.Json.JsonWriterOptions", "System.Text.Json.JsonTokenType", "System.Text.Json.Utf8JsonReader",
        "System.Text.Json.JsonReaderState",

        // The serializer, over types the script can name: a System.Type, a JsonTypeInfo, a JsonSerializerContext or a
        // stream are not obtainable by a script, so only the generic overloads (Serialize<T>, SerializeToNode<T>,
        // Deserialize<T>, ...) over the script's own and allowed types are callable; attributes, the way to polymorphic
        // or custom type handling, are refused. A script's own JsonConverter<T> overrides Read and Write: Read declares a
        // System.Type parameter, which is allowed as the declared type of an override's parameter and nowhere else, so
        // the value the serializer passes in cannot be named (see IsTypeParameterOfOverride). The Utf8JsonWriter a
        // converter writes to comes from the serializer: its constructors and Reset take a stream or a buffer writer,
        // types a script cannot name.
        "System.Text.Json.JsonSerializer", "System.Text.Json.Serialization.JsonIgnoreCondition", "System.Text.Json.Serialization.JsonNumberHandling",
        "System.Text.Json.Serialization.JsonConverter", "System.Text.Json.Serialization.JsonConverter`1", "System.Text.Json.Serialization.JsonStringEnumConverter",
        "System.Text.Json.Utf8JsonWriter",
        "System.Text.Json.Nodes.JsonNode", "System.Text.Json.Nodes.JsonObject", "System.Text.Json.Nodes.JsonArray", "System.Text.Json.Nodes.JsonValue",
        "System.Text.Json.Nodes.JsonNodeOptions",

        // System.Globalization
        "System.Globalization.CultureInfo", "System.Globalization.NumberStyles", "System.Globalization.DateTimeStyles", "System.Globalization.NumberFormatInfo",
        "System.Globalization.DateTimeFormatInfo", "System.Globalization.CompareInfo", "System.Globalization.CompareOptions", "System.Globalization.TextInfo",
        "System.Globalization.StringInfo", "System.Globalization.TextElementEnumerator", "System.Globalization.UnicodeCategory",
        "System.Globalization.CharUnicodeInfo", "System.Globalization.Calendar", "System.Globalization.GregorianCalendar",
        "System.Globalization.CalendarWeekRule", "System.Globalization.ISOWeek", "System.Globalization.TimeSpanStyles",
        "System.Globalization.CultureNotFoundException",

        // System.Numerics: big numbers and bit tricks, and the generic-math interfaces a generic helper constrains on; no vectors.
        "System.Numerics.BigInteger", "System.Numerics.Complex", "System.Numerics.BitOperations",
        "System.Numerics.INumber`1", "System.Numerics.INumberBase`1", "System.Numerics.IBinaryInteger`1", "System.Numerics.IBinaryNumber`1",
        "System.Numerics.ISignedNumber`1", "System.Numerics.IUnsignedNumber`1", "System.Numerics.IFloatingPoint`1", "System.Numerics.IMinMaxValue`1",
        "System.Numerics.IAdditionOperators`3", "System.Numerics.ISubtractionOperators`3", "System.Numerics.IMultiplyOperators`3",
        "System.Numerics.IDivisionOperators`3", "System.Numerics.IModulusOperators`3", "System.Numerics.IComparisonOperators`3",
        "System.Numerics.IEqualityOperators`3", "System.Numerics.IAdditiveIdentity`2", "System.Numerics.IMultiplicativeIdentity`2",
        "System.Numerics.IIncrementOperators`1", "System.Numerics.IDecrementOperators`1", "System.Numerics.IUnaryNegationOperators`2",
        "System.Numerics.IUnaryPlusOperators`2",

        "Secrets.Runtime.Sandbox.CSharp.ScriptGlobals", "Secrets.Runtime.Sandbox.CSharp.ScriptContext", "Secrets.Runtime.Sandbox.CSharp.ScriptRunInfo",
        "Secrets.Runtime.Sandbox.CSharp.ScriptHttp", "Secrets.Runtime.Sandbox.CSharp.ScriptHttpResponse",
    }.Concat(Enumerable.Range(1, 8).SelectMany(n => new[] { $"System.Func`{n}", $"System.Action`{n}", $"System.Tuple`{n}", $"System.ValueTuple`{n}" }))
     .Concat(["System.Action", "System.Predicate`1", "System.Comparison`1", "System.Converter`2", "System.ValueTuple", "System.Tuple"])
     .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every allowed type by metadata name: what the convention test walks.</summary>
    internal static IEnumerable<string> AllowedTypeNames => AllowedTypes;

    /// <summary>
    /// The allow list as the Markdown the README carries between its <c>allowed-apis</c> markers: every allowed type by
    /// namespace, with the members refused on it (the member-level rules apply on top, and are described in prose).
    /// Generated, never written by hand: a test fails when the README and the policy disagree.
    /// </summary>
    internal static string AllowListMarkdown()
    {
        var denied = DeniedMembers.ToLookup(m => m[..m.LastIndexOf('.')], m => m[(m.LastIndexOf('.') + 1)..], StringComparer.Ordinal);
        static string Display(string metadataName)
        {
            var name = metadataName[(metadataName.LastIndexOf('.') + 1)..];
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            return tick < 0 ? name : name[..tick] + "<" + new string(',', int.Parse(name[(tick + 1)..], System.Globalization.CultureInfo.InvariantCulture) - 1) + ">";
        }

        string Entry(string type) => type == "System.Environment" ? $"`{Display(type)}` (only {string.Join(", ", EnvironmentAllowed.Order(StringComparer.Ordinal))})"
            : denied[type].Any() ? $"`{Display(type)}` (not {string.Join(", ", denied[type].Order(StringComparer.Ordinal))})"
            : $"`{Display(type)}`";

        var lines = AllowedTypes
            .GroupBy(t => t[..t.LastIndexOf('.')], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"- `{g.Key}`: " + string.Join(", ", g.OrderBy(t => Display(t).Split('<')[0], StringComparer.Ordinal).ThenBy(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).Select(Entry)));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>Members refused even though their type is allowed.</summary>
    private static readonly FrozenSet<string> DeniedMembers = new[]
    {
        "System.Object.GetType", "System.Object.MemberwiseClone", "System.Threading.Tasks.Task.Run", "System.Threading.Tasks.Task.Factory",
        "System.Threading.Tasks.Task.Start", "System.Threading.Tasks.Task.RunSynchronously", "System.Threading.Tasks.Task.ContinueWith",
        "System.Threading.Tasks.Task`1.ContinueWith", "System.Threading.Tasks.Task`1.Factory", "System.Threading.Tasks.Task.Wait",
        "System.Threading.Tasks.Task`1.Result", "System.Array.CreateInstance", "System.Array.CreateInstanceFromArrayType",
        "System.Globalization.CultureInfo.DefaultThreadCurrentCulture", "System.Globalization.CultureInfo.DefaultThreadCurrentUICulture",
        "System.Globalization.CultureInfo.CurrentCulture", "System.Globalization.CultureInfo.CurrentUICulture",
        "System.Text.RegularExpressions.Regex.CacheSize",

        // Streams and pipes only (not obtainable anyway); kept refused so an allowed stream type later does not open them.
        "System.Text.Json.JsonSerializer.SerializeAsync", "System.Text.Json.JsonSerializer.DeserializeAsync",
        "System.Text.Json.JsonSerializer.DeserializeAsyncEnumerable",

        // A converter's own System.Type (what it converts): the way into reflection.
        "System.Text.Json.Serialization.JsonConverter.Type", "System.Text.Json.Serialization.JsonConverter`1.Type",

        // Callbacks outside an async body (scripts await): a chain of them would be background work no count sees.
        "System.Runtime.CompilerServices.TaskAwaiter.OnCompleted", "System.Runtime.CompilerServices.TaskAwaiter`1.OnCompleted",
        "System.Runtime.CompilerServices.ValueTaskAwaiter.OnCompleted", "System.Runtime.CompilerServices.ValueTaskAwaiter`1.OnCompleted",
        "System.Runtime.CompilerServices.YieldAwaitable+YieldAwaiter.OnCompleted",

        // Process-wide: drops every cached zone (and the local one) for every later run in the worker.
        "System.TimeZoneInfo.ClearCachedData",

        // The intern pool is process-wide: a string one run interns, a later run in the same worker can test for.
        "System.String.Intern", "System.String.IsInterned",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Members that take a reference and an integer yet cannot reach past an object, each reviewed (the convention test
    /// keeps its own copy of this list, so adding one here fails it until someone reviews the addition there too).
    /// </summary>
    private static readonly FrozenSet<string> ReviewedReferenceAndInteger = new[]
    {
        // The reference is to an array variable, which is replaced by a new, bounds-checked array of the given length.
        "System.Array.Resize",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The only members of <c>System.Environment</c> a script may read.</summary>
    private static readonly FrozenSet<string> EnvironmentAllowed = new[] { "NewLine" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// True when a type, by metadata name (<c>Namespace.Outer`1+Nested</c>), is on the allow-list; a nested type is
    /// allowed when its outermost type is (its enumerators and the like are part of that type's API).
    /// </summary>
    public static bool IsAllowedTypeName(string name)
    {
        var plus = name.IndexOf('+', StringComparison.Ordinal);
        return AllowedTypes.Contains(plus < 0 ? name : name[..plus]);
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

            if (ImplicitMembersRefusal(node, model) is { } implicitRefusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0002", implicitRefusal));
                continue;
            }

            if (node is not (ExpressionSyntax or TypeSyntax) || IsNameOfParent(node) || covered.Remove(node))
            {
                continue;
            }

            if (node is LiteralExpressionSyntax)
            {
                // A literal's own type is a primitive; what it is converted to (a parameter, a target) may not be.
                if (ConversionRefusal(node, model) is { } literalRefusal)
                {
                    diagnostics.Add(Diagnostic(node, "SR0003", literalRefusal));
                }

                continue;
            }

            var info = model.GetSymbolInfo(node);
            var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (CoveredChild(node, symbol) is { } child)
            {
                covered.Add(child);
            }

            if (IsTypeParameterOfOverride(node, symbol))
            {
                continue;
            }

            if (symbol is not null && SymbolRefusal(symbol) is { } symbolRefusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0002", symbolRefusal));
                continue;
            }

            // A name that is a type or namespace was checked as a symbol just now; its "type" is itself.
            if (node is ExpressionSyntax && symbol is not (ITypeSymbol or INamespaceSymbol) && ConversionRefusal(node, model) is { } typeRefusal)
            {
                diagnostics.Add(Diagnostic(node, "SR0003", typeRefusal));
            }
        }

        // One refusal per place is enough; nested names repeat their parent's.
        return diagnostics.DistinctBy(d => (d.Line, d.Message)).ToList();
    }

    /// <summary>
    /// Why an expression is refused for its type or for what it is implicitly converted to (the type of a parameter it
    /// is passed to, of a variable it is assigned to: a <c>uint</c> passed as <c>nuint</c> has the type <c>uint</c> and
    /// the converted type <c>nuint</c>), including a user-defined conversion operator the conversion calls. Both types
    /// come from one model query; the conversion is asked for only when the two differ.
    /// </summary>
    private static string? ConversionRefusal(SyntaxNode node, SemanticModel model)
    {
        var info = model.GetTypeInfo(node);
        if (info.Type is { } type && TypeRefusal(type) is { } typeRefusal)
        {
            return typeRefusal;
        }

        if (info.ConvertedType is not { } converted || SymbolEqualityComparer.IncludeNullability.Equals(converted, info.Type))
        {
            return null;
        }

        if (TypeRefusal(converted) is { } convertedRefusal)
        {
            return $"an implicit conversion to a refused type: {convertedRefusal}";
        }

        return model.GetConversion(node).MethodSymbol is { } conversion ? SymbolRefusal(conversion) : null;
    }

    /// <summary>
    /// Members a statement or expression calls without naming them: a <c>foreach</c>'s <c>GetEnumerator</c>,
    /// <c>MoveNext</c>, <c>Current</c> and element conversion, an <c>await</c>'s <c>GetAwaiter</c>, <c>IsCompleted</c>
    /// and <c>GetResult</c>, a deconstruction's <c>Deconstruct</c> and a collection initializer's <c>Add</c>. Only these
    /// nodes are asked about, so the cost is one query per loop, await, deconstruction or initializer element.
    /// </summary>
    private static string? ImplicitMembersRefusal(SyntaxNode node, SemanticModel model)
    {
        switch (node)
        {
            case CommonForEachStatementSyntax loop:
                var each = model.GetForEachStatementInfo(loop);
                return FirstRefusal(each.GetEnumeratorMethod, each.MoveNextMethod, each.CurrentProperty, each.DisposeMethod, each.ElementConversion.MethodSymbol, each.CurrentConversion.MethodSymbol)
                    ?? (each.ElementType is { } element ? TypeRefusal(element) : null)
                    ?? (loop is ForEachVariableStatementSyntax deconstructing ? DeconstructionRefusal(model.GetDeconstructionInfo(deconstructing)) : null);
            case AwaitExpressionSyntax awaited:
                var info = model.GetAwaitExpressionInfo(awaited);
                return FirstRefusal(info.GetAwaiterMethod, info.IsCompletedProperty, info.GetResultMethod);
            case AssignmentExpressionSyntax { Left: TupleExpressionSyntax or DeclarationExpressionSyntax } deconstruction:
                return DeconstructionRefusal(model.GetDeconstructionInfo(deconstruction));
            case InitializerExpressionSyntax { RawKind: (int)SyntaxKind.CollectionInitializerExpression } collection:
                return collection.Expressions.Select(e => model.GetCollectionInitializerSymbolInfo(e).Symbol is { } add ? SymbolRefusal(add) : null).FirstOrDefault(r => r is not null);
            default:
                return null;
        }
    }

    /// <summary>The <c>Deconstruct</c> methods and conversions a deconstruction calls, nested ones included.</summary>
    private static string? DeconstructionRefusal(DeconstructionInfo info) =>
        FirstRefusal(info.Method, info.Conversion?.MethodSymbol) ?? info.Nested.Select(DeconstructionRefusal).FirstOrDefault(r => r is not null);

    private static string? FirstRefusal(params ReadOnlySpan<ISymbol?> symbols)
    {
        foreach (var symbol in symbols)
        {
            if (symbol is not null && SymbolRefusal(symbol) is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    private static string? SyntaxRefusal(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m when IsAsyncVoid(m.Modifiers, m.ReturnType) => AsyncVoid,
        LocalFunctionStatementSyntax f when IsAsyncVoid(f.Modifiers, f.ReturnType) => AsyncVoid,
        PropertyDeclarationSyntax { Identifier.Text: "EqualityContract" } => EqualityContract,
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

    private const string AsyncVoid = "async void methods, local functions and lambdas are not allowed (nothing awaits them, so their work outlives the script; return a Task)";

    private const string EqualityContract = "a record's EqualityContract is not allowed (it is a System.Type)";

    private static bool IsAsyncVoid(SyntaxTokenList modifiers, TypeSyntax returnType) =>
        modifiers.Any(t => t.IsKind(SyntaxKind.AsyncKeyword)) && returnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword };

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

    /// <summary>
    /// True for <c>System.Type</c> written as the declared type of a parameter of an <c>override</c> method (or
    /// <c>Type?</c>): the shape of <c>JsonConverter&lt;T&gt;.Read(ref Utf8JsonReader, Type, JsonSerializerOptions)</c>.
    /// Only the name in the signature is allowed: every expression of type <c>Type</c> (the parameter read, a
    /// <c>typeof</c>, a <c>null</c> or <c>default</c> passed for one) is still refused, as is every member of
    /// <c>Type</c>, so the value the caller passes in stays out of the script's reach.
    /// </summary>
    private static bool IsTypeParameterOfOverride(SyntaxNode node, ISymbol? symbol)
    {
        if (symbol is not INamedTypeSymbol { Name: "Type", Arity: 0, ContainingType: null, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
        {
            return false;
        }

        var declared = node.Parent is NullableTypeSyntax nullable && nullable.ElementType == node ? nullable : node;
        return declared.Parent is ParameterSyntax { Parent: ParameterListSyntax { Parent: MethodDeclarationSyntax method } } parameter
            && parameter.Type == declared
            && parameter.Modifiers.Count == 0
            && method.Modifiers.Any(t => t.IsKind(SyntaxKind.OverrideKeyword));
    }

    private static bool IsStatic(SyntaxTokenList modifiers) => modifiers.Any(t => t.IsKind(SyntaxKind.StaticKeyword));

    private static string? SymbolRefusal(ISymbol symbol)
    {
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or IDiscardSymbol or INamespaceSymbol or ITypeParameterSymbol:
                return null;
            case IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction } function:
                return function is { IsAsync: true, ReturnsVoid: true } ? AsyncVoid : null;
            case ITypeSymbol type:
                return TypeRefusal(type);
            case IPropertySymbol { Name: "EqualityContract" }:
                // Synthesized for every record, so it counts as source; the Type it returns is the way into reflection.
                return EqualityContract;
        }

        if (IsFromSource(symbol))
        {
            return null;
        }

        var member = symbol is IMethodSymbol { ReducedFrom: { } reduced } ? reduced : symbol;
        var containing = member.ContainingType;
        if (containing is null)
        {
            return $"'{symbol.ToDisplayString()}' is not allowed in code nodes";
        }

        if (IsDeniedMember(MetadataName(containing.OriginalDefinition), symbol.Name))
        {
            return $"'{symbol.ToDisplayString()}' is not allowed in code nodes";
        }

        if (MemberRuleRefusal(member) is { } rule)
        {
            return $"'{symbol.ToDisplayString()}' is not allowed in code nodes: {rule}";
        }

        if (symbol is IMethodSymbol method && method.TypeArguments.FirstOrDefault(t => TypeRefusal(t) is not null) is { } badArgument)
        {
            return TypeRefusal(badArgument);
        }

        return TypeRefusal(containing) is null ? null : $"'{symbol.ToDisplayString()}' is not allowed in code nodes (its type {containing.ToDisplayString()} is not on the allow-list)";
    }

    /// <summary>
    /// Why a member of a library type is refused wherever a script names it (the whole symbol check: its type, the deny
    /// list and the member-level rules), or null; what the convention test asks about every member of every allowed type.
    /// </summary>
    internal static string? MemberRefusal(ISymbol member) => SymbolRefusal(member);

    /// <summary>
    /// The member-level rules, applied to every member of a library type whatever its type's standing: why
    /// <paramref name="member"/> is refused, or null. A member is refused when its name contains "Unsafe" (the runtime's
    /// own mark for "no bounds, no context, no checks"), when its signature holds a pointer, a function pointer, a
    /// native-sized integer (<c>nint</c>, <c>nuint</c>), <c>TypedReference</c>, <c>ArgIterator</c> or
    /// <c>RuntimeArgumentHandle</c> anywhere (type arguments and arrays included), when it takes a reference
    /// (<c>ref</c>, <c>in</c>, <c>ref readonly</c>) together with an integer by value (an offset or a length past that
    /// reference: the shape of every bounds-free memory API; <c>out</c> parameters are results, not references in),
    /// or when it creates a cryptography object from a name (CryptoConfig instantiates any type by name).
    /// </summary>
    private static string? MemberRuleRefusal(ISymbol member)
    {
        if (member.Name.Contains("Unsafe", StringComparison.OrdinalIgnoreCase))
        {
            return "members named Unsafe skip the runtime's checks";
        }

        var (returned, parameters) = member switch
        {
            IMethodSymbol method => (method.ReturnType, method.Parameters),
            IPropertySymbol property => (property.Type, property.Parameters),
            IFieldSymbol field => (field.Type, []),
            IEventSymbol e => (e.Type, []),
            _ => ((ITypeSymbol?)null, ImmutableArray<IParameterSymbol>.Empty),
        };
        if (member is IMethodSymbol { IsVararg: true })
        {
            return "__arglist methods are not allowed";
        }

        if (((returned is not null ? SignatureTypeRefusal(returned) : null) ?? parameters.Select(p => SignatureTypeRefusal(p.Type)).FirstOrDefault(r => r is not null)) is { } signature)
        {
            return signature;
        }

        var containing = member.ContainingType is { } type ? MetadataName(type.OriginalDefinition) : string.Empty;
        var takesReference = parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter);
        var takesInteger = parameters.Any(p => p.RefKind == RefKind.None && IsInteger(p.Type));
        if (takesReference && takesInteger && !ReviewedReferenceAndInteger.Contains($"{containing}.{member.Name}"))
        {
            return "members that take a reference and an offset or length can reach past an object";
        }

        if (member.Name == "Create" && containing.StartsWith("System.Security.Cryptography.", StringComparison.Ordinal) && parameters.Any(p => p.Type.SpecialType == SpecialType.System_String))
        {
            return "creating a cryptography object by name instantiates types by name";
        }

        return null;
    }

    /// <summary>Why a type in a member's signature makes the member unsafe: pointers, native-sized integers, varargs handles.</summary>
    private static string? SignatureTypeRefusal(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => "pointers are not allowed",
        IArrayTypeSymbol array => SignatureTypeRefusal(array.ElementType),
        INamedTypeSymbol { SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr } => "native-sized integers (nint, nuint, IntPtr, UIntPtr) are not allowed",
        INamedTypeSymbol { SpecialType: SpecialType.System_TypedReference or SpecialType.System_ArgIterator or SpecialType.System_RuntimeArgumentHandle } =>
            "TypedReference, ArgIterator and RuntimeArgumentHandle are not allowed",
        INamedTypeSymbol named => named.TypeArguments.Select(SignatureTypeRefusal).FirstOrDefault(r => r is not null)
            ?? (named.ContainingType is { } outer ? SignatureTypeRefusal(outer) : null),
        _ => null,
    };

    private static bool IsInteger(ITypeSymbol type) => type.SpecialType is SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16
        or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
        or SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

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

                if (!IsAllowedTypeName(MetadataName(named.OriginalDefinition)))
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
        var span = node.GetLocation().GetMappedLineSpan().StartLinePosition;
        return new ScriptDiagnostic(span.Line + 1, span.Character + 1, code, message);
    }
}
