using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// Holds the allow list to its promise whatever is added to it later: every public or protected member of every
/// allowed type (nested types included), loaded from the very reference set scripts compile against, is looked at
/// with rules written here, not taken from the policy. A member that takes a pointer, involves a native-sized integer
/// or a TypedReference, takes a reference together with an integer offset or length, or has "Unsafe" in its name must
/// be refused by the policy, or be on this file's own list of reviewed members.
/// </summary>
public sealed class ScriptPolicyConventionTests
{
    private static readonly Lazy<CSharpCompilation> References = new(() => CSharpCompilation.Create("convention", references: new ScriptCompiler().References));

    /// <summary>Reviewed by hand: takes a reference and an integer, and cannot reach past an object.</summary>
    private static readonly HashSet<string> Reviewed = new(StringComparer.Ordinal)
    {
        // Array.Resize<T>(ref T[] array, int newSize): the reference is to the array variable, which gets a new array.
        "System.Array.Resize",
    };

    private static readonly HashSet<string> NativeOrVarargs = new(StringComparer.Ordinal)
    {
        "System.IntPtr", "System.UIntPtr", "System.TypedReference", "System.ArgIterator", "System.RuntimeArgumentHandle",
    };

    private static readonly HashSet<string> Integers = new(StringComparer.Ordinal)
    {
        "System.SByte", "System.Byte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32", "System.Int64", "System.UInt64",
        "System.IntPtr", "System.UIntPtr",
    };

    [Fact]
    public void Every_allowed_type_exists_in_the_reference_set()
    {
        var missing = ScriptPolicy.AllowedTypeNames.Where(n => References.Value.GetTypeByMetadataName(n) is null).ToList();

        Assert.True(missing.Count == 0, "allowed types that do not resolve (misspelt, or in more than one reference): " + string.Join(", ", missing));
    }

    [Fact]
    public void No_allowed_member_takes_a_pointer_a_native_integer_or_a_reference_and_an_offset_or_is_named_unsafe_unless_refused()
    {
        var open = Dangerous()
            .Where(d => ScriptPolicy.MemberRefusal(d.Member) is null && !Reviewed.Contains(Key(d.Member)))
            .Select(d => $"{d.Member.ToDisplayString()} ({d.Why})")
            .Distinct()
            .ToList();

        Assert.True(open.Count == 0, $"{open.Count} members the policy allows:\n" + string.Join("\n", open));
    }

    [Theory]
    [InlineData("System.String", "String(char*)", "pointer")]
    [InlineData("System.Math", "Max(nint, nint)", "native")]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter", "UnsafeOnCompleted(System.Action)", "unsafe")]
    [InlineData("System.Threading.CancellationToken", "UnsafeRegister(System.Action<object?>, object?)", "unsafe")]
    [InlineData("System.Span`1", "Span(void*, int)", "pointer")]
    [InlineData("System.Array", "Resize<T>(ref T[]?, int)", "reference")]
    public void The_conventions_own_detection_finds_the_known_shapes(string type, string member, string why)
    {
        Assert.Contains(Dangerous(), d => Of(d.Member.ContainingType) == type
            && d.Member.ToDisplayString().EndsWith("." + member, StringComparison.Ordinal) && d.Why.Contains(why, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("System.Numerics.Vector")]
    [InlineData("System.Numerics.Vector`1")]
    [InlineData("System.Numerics.Vector2")]
    [InlineData("System.Numerics.Vector3")]
    [InlineData("System.Numerics.Vector4")]
    [InlineData("System.Runtime.Intrinsics.Vector64")]
    [InlineData("System.Runtime.Intrinsics.Vector128")]
    [InlineData("System.Runtime.Intrinsics.Vector256")]
    [InlineData("System.Runtime.Intrinsics.Vector512")]
    [InlineData("System.Runtime.Intrinsics.Vector128`1")]
    [InlineData("System.IntPtr")]
    [InlineData("System.UIntPtr")]
    [InlineData("System.TypedReference")]
    [InlineData("System.Type")]
    [InlineData("System.Runtime.CompilerServices.Unsafe")]
    [InlineData("System.Runtime.CompilerServices.RuntimeHelpers")]
    [InlineData("System.Runtime.InteropServices.MemoryMarshal")]
    [InlineData("System.Runtime.InteropServices.CollectionsMarshal")]
    [InlineData("System.Runtime.InteropServices.Marshal")]
    [InlineData("System.Text.Json.Serialization.Metadata.JsonTypeInfo")]
    [InlineData("System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver")]
    [InlineData("System.Text.Json.Serialization.JsonSerializerContext")]
    [InlineData("System.Text.Json.Serialization.JsonConverterFactory")]
    [InlineData("System.Text.RegularExpressions.RegexRunner")]
    public void Memory_reflection_and_vector_types_are_not_on_the_allow_list(string name)
    {
        Assert.False(ScriptPolicy.IsAllowedTypeName(name));
        Assert.False(ScriptPolicy.IsAllowedTypeName(name + "+Nested"));
    }

    private static List<(ISymbol Member, string Why)> Dangerous()
    {
        var found = new List<(ISymbol, string)>();
        foreach (var type in ScriptPolicy.AllowedTypeNames.Select(n => References.Value.GetTypeByMetadataName(n)).OfType<INamedTypeSymbol>().SelectMany(WithNested))
        {
            foreach (var member in type.GetMembers().Where(Reachable))
            {
                if (Why(member) is { } why)
                {
                    found.Add((member, why));
                }
            }
        }

        return found;
    }

    private static IEnumerable<INamedTypeSymbol> WithNested(INamedTypeSymbol type) =>
        type.GetTypeMembers().Where(Reachable).SelectMany(WithNested).Prepend(type);

    private static bool Reachable(ISymbol symbol) =>
        symbol.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;

    private static string? Why(ISymbol member)
    {
        if (member.Name.ToUpperInvariant().Contains("UNSAFE", StringComparison.Ordinal))
        {
            return "unsafe in its name";
        }

        var (returned, parameters) = member switch
        {
            IMethodSymbol m => (m.ReturnType, m.Parameters),
            IPropertySymbol p => (p.Type, p.Parameters),
            IFieldSymbol f => (f.Type, []),
            IEventSymbol e => (e.Type, []),
            _ => ((ITypeSymbol?)null, System.Collections.Immutable.ImmutableArray<IParameterSymbol>.Empty),
        };
        var signature = parameters.Select(p => p.Type).Prepend(returned).OfType<ITypeSymbol>().SelectMany(Parts).ToList();
        if (signature.Any(t => t.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer))
        {
            return "pointer in its signature";
        }

        if (signature.Any(t => NativeOrVarargs.Contains(Of(t))))
        {
            return "native integer or varargs handle in its signature";
        }

        if (parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter)
            && parameters.Any(p => p.RefKind == RefKind.None && Integers.Contains(Of(p.Type))))
        {
            return "a reference and an integer";
        }

        return null;
    }

    /// <summary>A type and every type inside it: array elements, pointed-at types, type arguments, outer types.</summary>
    private static IEnumerable<ITypeSymbol> Parts(ITypeSymbol type)
    {
        yield return type;
        var inner = type switch
        {
            IArrayTypeSymbol a => [a.ElementType],
            IPointerTypeSymbol p => [p.PointedAtType],
            IFunctionPointerTypeSymbol => [],
            INamedTypeSymbol n => n.TypeArguments.Concat(n.ContainingType is { } outer ? [outer] : []).ToArray(),
            _ => Array.Empty<ITypeSymbol>(),
        };
        foreach (var part in inner.SelectMany(Parts))
        {
            yield return part;
        }
    }

    /// <summary>Metadata names (<c>Namespace.Outer`1+Nested</c>), written out here rather than borrowed from the policy.</summary>
    private static string Of(ITypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    private static string Key(ISymbol member) => Of(member.ContainingType) + "." + member.Name;
}
