using System.Collections.Frozen;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The second layer of the policy, on the emitted image rather than the source: every assembly, type and member
/// reference must be allowed (the script policy's list plus the few compiler helpers Roslyn emits on its own:
/// async builders, interpolation handlers, record plumbing), and the image holds no P/Invoke, internal calls,
/// finalizers or module initializer. Runs after every compilation and on every image read back from the disk cache,
/// so a tampered cache file is refused too. Uses System.Reflection.Metadata only: no Roslyn on this path.
/// </summary>
internal static class ImageCheck
{
    private static readonly FrozenSet<string> CompilerTypes = new[]
    {
        "System.Runtime.CompilerServices.AsyncTaskMethodBuilder", "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1",
        "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder", "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder`1",
        "System.Runtime.CompilerServices.AsyncVoidMethodBuilder", "System.Runtime.CompilerServices.AsyncIteratorMethodBuilder",
        "System.Runtime.CompilerServices.IAsyncStateMachine", "System.Runtime.CompilerServices.INotifyCompletion",
        "System.Runtime.CompilerServices.ICriticalNotifyCompletion", "System.Runtime.CompilerServices.TaskAwaiter", "System.Runtime.CompilerServices.TaskAwaiter`1",
        "System.Runtime.CompilerServices.ValueTaskAwaiter", "System.Runtime.CompilerServices.ValueTaskAwaiter`1",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable", "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter", "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable", "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1",
        "System.Runtime.CompilerServices.AsyncStateMachineAttribute", "System.Runtime.CompilerServices.IteratorStateMachineAttribute",
        "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute", "System.Runtime.CompilerServices.CompilerGeneratedAttribute",
        "System.Runtime.CompilerServices.IsReadOnlyAttribute", "System.Runtime.CompilerServices.NullableAttribute",
        "System.Runtime.CompilerServices.NullableContextAttribute", "System.Runtime.CompilerServices.NullablePublicOnlyAttribute",
        "System.Runtime.CompilerServices.RuntimeCompatibilityAttribute", "System.Runtime.CompilerServices.CompilationRelaxationsAttribute",
        "System.Runtime.CompilerServices.RefSafetyRulesAttribute", "System.Runtime.CompilerServices.IsExternalInit",
        "System.Runtime.CompilerServices.ExtensionAttribute", "System.Runtime.CompilerServices.TupleElementNamesAttribute",
        "System.Runtime.CompilerServices.DefaultInterpolatedStringHandler", "System.Runtime.CompilerServices.FormattableStringFactory",
        "System.Runtime.CompilerServices.RequiredMemberAttribute", "System.Runtime.CompilerServices.CompilerFeatureRequiredAttribute",
        "System.Runtime.CompilerServices.ScopedRefAttribute", "System.Runtime.CompilerServices.IsByRefLikeAttribute",
        "System.Runtime.CompilerServices.IsUnmanagedAttribute", "System.Runtime.CompilerServices.SwitchExpressionException",
        "System.Runtime.CompilerServices.InlineArrayAttribute", "System.Runtime.CompilerServices.PreserveBaseOverridesAttribute", "System.Runtime.CompilerServices.ITuple",
        "System.Runtime.CompilerServices.RuntimeHelpers", "System.Runtime.CompilerServices.Unsafe", "System.Runtime.InteropServices.MemoryMarshal",
        "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute", "System.Diagnostics.DebuggableAttribute",
        "System.Diagnostics.DebuggableAttribute+DebuggingModes", "System.Diagnostics.DebuggerHiddenAttribute",
        "System.Diagnostics.DebuggerStepThroughAttribute", "System.Diagnostics.DebuggerBrowsableAttribute", "System.Diagnostics.DebuggerBrowsableState",
        "System.Diagnostics.DebuggerDisplayAttribute", "System.Diagnostics.DebuggerNonUserCodeAttribute",
        "System.Attribute", "System.AttributeUsageAttribute", "System.AttributeTargets", "System.ParamArrayAttribute", "System.ObsoleteAttribute",
        "System.MulticastDelegate", "System.Delegate", "System.Type", "System.RuntimeTypeHandle", "System.RuntimeFieldHandle", "System.IntPtr",
        "System.Collections.IEnumerator", "System.Collections.IEnumerable", "System.Collections.IEqualityComparer", "System.Collections.IStructuralEquatable",
        "System.Threading.Interlocked", "System.Reflection.DefaultMemberAttribute", "Secrets.Runtime.Sandbox.CSharp.ScriptGuard",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>For the compiler helper types, the only members the image may use (everything else on them is refused).</summary>
    private static readonly FrozenDictionary<string, FrozenSet<string>> CompilerMembers = new Dictionary<string, string[]>
    {
        ["System.Runtime.CompilerServices.RuntimeHelpers"] = ["InitializeArray", "CreateSpan", "GetSubArray", "EnsureSufficientExecutionStack", "IsReferenceOrContainsReferences", "GetHashCode"],
        ["System.Runtime.CompilerServices.Unsafe"] = ["As", "Add", "AsRef"],
        ["System.Runtime.InteropServices.MemoryMarshal"] = ["CreateSpan", "CreateReadOnlySpan"],
        ["System.Type"] = ["GetTypeFromHandle", "op_Equality", "op_Inequality"],
        ["System.Delegate"] = ["Combine", "Remove", "op_Equality", "op_Inequality"],
        ["System.Environment"] = ["get_NewLine", "get_CurrentManagedThreadId"],
        ["System.Threading.Interlocked"] = ["CompareExchange"],
    }.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Returns why the image is refused, or null when every reference in it is allowed.</summary>
    public static string? Refusal(byte[] image, IReadOnlySet<string> allowedAssemblies)
    {
        try
        {
            using var pe = new PEReader(new MemoryStream(image, writable: false));
            var md = pe.GetMetadataReader();
            return AssemblyRefusal(md, allowedAssemblies) ?? DefinitionRefusal(md) ?? MemberRefusal(md) ?? TypeRefusal(md);
        }
        catch (BadImageFormatException)
        {
            return "the compiled image is not a valid assembly";
        }
    }

    private static string? AssemblyRefusal(MetadataReader md, IReadOnlySet<string> allowed)
    {
        if (md.GetTableRowCount(TableIndex.ModuleRef) > 0)
        {
            return "the image imports native modules (P/Invoke)";
        }

        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).FirstOrDefault(n => !allowed.Contains(n)) is { } name
            ? $"the image references assembly '{name}', which is not in the reference set"
            : null;
    }

    private static string? DefinitionRefusal(MetadataReader md)
    {
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            var name = md.GetString(method.Name);
            if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0 || (method.ImplAttributes & MethodImplAttributes.InternalCall) != 0)
            {
                return $"the image declares the native method '{name}'";
            }

            var declaring = md.GetTypeDefinition(method.GetDeclaringType());
            if (declaring.GetDeclaringType().IsNil && md.GetString(declaring.Name) == "<Module>")
            {
                return "the image has a module initializer";
            }

            if (name == "Finalize" && (method.Attributes & MethodAttributes.Virtual) != 0)
            {
                return "the image declares a finalizer";
            }
        }

        return null;
    }

    private static string? TypeRefusal(MetadataReader md)
    {
        foreach (var handle in md.TypeReferences)
        {
            var name = FullName(md, handle);
            if (!CompilerTypes.Contains(name) && !ScriptPolicy.IsAllowedTypeName(name))
            {
                return $"the image references the type '{name}', which is not allowed in code nodes";
            }
        }

        return null;
    }

    private static string? MemberRefusal(MetadataReader md)
    {
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (ParentName(md, member.Parent) is not { } type)
            {
                continue;
            }

            var name = md.GetString(member.Name);
            var refused = CompilerMembers.TryGetValue(type, out var only) ? !only.Contains(name) && name != ".ctor" : ScriptPolicy.IsDeniedMember(type, name);
            if (refused)
            {
                return $"the image uses '{type}.{name}', which is not allowed in code nodes";
            }
        }

        return null;
    }

    /// <summary>The metadata name of a member's parent type; generic instantiations resolve to their definition.</summary>
    private static string? ParentName(MetadataReader md, EntityHandle parent)
    {
        switch (parent.Kind)
        {
            case HandleKind.TypeReference:
                return FullName(md, (TypeReferenceHandle)parent);
            case HandleKind.TypeSpecification:
                var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
                if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
                {
                    return null;
                }

                blob.ReadSignatureTypeCode();
                var definition = blob.ReadTypeHandle();
                return definition.Kind == HandleKind.TypeReference ? FullName(md, (TypeReferenceHandle)definition) : null;
            default:
                // Members of the script's own types (definitions) and of its own methods.
                return null;
        }
    }

    private static string FullName(MetadataReader md, TypeReferenceHandle handle)
    {
        var type = md.GetTypeReference(handle);
        var name = md.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? FullName(md, (TypeReferenceHandle)type.ResolutionScope) + "+" + name
            : md.GetString(type.Namespace) is { Length: > 0 } ns ? ns + "." + name : name;
    }
}
