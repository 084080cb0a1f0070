using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The second layer of the policy, on the emitted image rather than the source: every assembly, type and member
/// reference must be allowed (the script policy's list plus the few compiler helpers Roslyn emits on its own:
/// async builders, interpolation handlers, record plumbing), and the image holds no P/Invoke, internal calls,
/// finalizers or module initializer. At member level, every member reference passes the same rules as in source
/// (no pointer, function pointer, native-sized integer or TypedReference in its signature, no "Unsafe" in its name),
/// and so does every generic instantiation and local variable signature. Every method body is read instruction by
/// instruction: the memory helpers Roslyn emits itself (<c>Unsafe.As/Add/AsRef</c>, <c>MemoryMarshal.CreateSpan</c>,
/// <c>RuntimeHelpers.InitializeArray/CreateSpan</c>, the <c>ReadOnlySpan(void*, int)</c> constructor over constant
/// data, <c>Type.GetTypeFromHandle</c> for a record's <c>EqualityContract</c>, delegate constructors) are allowed only
/// where and in the shape the compiler uses them, and instructions that make or use raw addresses (<c>calli</c>,
/// <c>localloc</c>, <c>cpblk</c>, native-integer conversions and the like) are refused. Runs after every compilation
/// and on every image read back from the disk cache. Uses System.Reflection.Metadata only: no Roslyn on this path.
/// This is not an IL verifier: hand-written IL can still reinterpret managed references; the OS boundary holds then.
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
        "System.MulticastDelegate", "System.Delegate", "System.Type", "System.RuntimeTypeHandle", "System.RuntimeFieldHandle",
        "System.Collections.IEnumerator", "System.Collections.IEnumerable", "System.Collections.IEqualityComparer", "System.Collections.IStructuralEquatable",
        "System.Threading.Interlocked", "System.Reflection.DefaultMemberAttribute", "Secrets.Runtime.Sandbox.CSharp.ScriptGuard",

        // An async iterator's state machine is its own IValueTaskSource, completed through a ManualResetValueTaskSourceCore.
        "System.Threading.Tasks.Sources.IValueTaskSource", "System.Threading.Tasks.Sources.IValueTaskSource`1",
        "System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore`1", "System.Threading.Tasks.Sources.ValueTaskSourceStatus",
        "System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags",

        // An await inside a finally (await foreach, await using): the exception caught before it is rethrown after it.
        "System.Runtime.ExceptionServices.ExceptionDispatchInfo",
    }.Concat(Enumerable.Range(2, BclInlineArrayMaxLength - 1).Select(BclInlineArrayName)).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// The longest of the BCL's public inline arrays (<c>System.Runtime.CompilerServices.InlineArray2&lt;T&gt;</c> to
    /// <c>InlineArray16&lt;T&gt;</c>, new in .NET 10), which Roslyn 5.12 uses for params spans and collection expressions
    /// of those lengths instead of synthesizing its own. They have no public members: an image reaches their elements
    /// only through the <c>&lt;PrivateImplementationDetails&gt;</c> helpers, whose index or length is checked against N.
    /// </summary>
    private const int BclInlineArrayMaxLength = 16;

    private static string BclInlineArrayName(int length) => string.Create(CultureInfo.InvariantCulture, $"System.Runtime.CompilerServices.InlineArray{length}`1");

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
        ["System.Threading.Tasks.Sources.IValueTaskSource"] = ["GetResult", "GetStatus", "OnCompleted"],
        ["System.Threading.Tasks.Sources.IValueTaskSource`1"] = ["GetResult", "GetStatus", "OnCompleted"],
        ["System.Runtime.ExceptionServices.ExceptionDispatchInfo"] = ["Capture", "Throw"],
        ["System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore`1"] = ["GetResult", "GetStatus", "OnCompleted", "Reset", "SetResult", "SetException", "get_Version"],
    }.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Returns why the image is refused, or null when every reference in it is allowed.</summary>
    public static string? Refusal(byte[] image, IReadOnlySet<string> allowedAssemblies)
    {
        try
        {
            using var pe = new PEReader(new MemoryStream(image, writable: false));
            var md = pe.GetMetadataReader();
            return AssemblyRefusal(md, allowedAssemblies) ?? DefinitionRefusal(md) ?? MemberRefusal(md) ?? TypeRefusal(md) ?? InstantiationRefusal(md) ?? BodyRefusal(pe, md);
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
        var provider = new ShapeProvider(md);
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

            var signature = method.DecodeSignature(provider, null);
            var isDelegateConstructor = name == ".ctor" && signature.ParameterTypes is [Shape.Object, Shape.NativeInteger | Shape.Itself]
                && declaring.BaseType.Kind == HandleKind.TypeReference && FullName(md, (TypeReferenceHandle)declaring.BaseType) == "System.MulticastDelegate";
            if (!isDelegateConstructor && Describe(signature.ParameterTypes.Aggregate(signature.ReturnType, (a, b) => a | b)) is { } refusal)
            {
                return $"the image declares the method '{name}' with {refusal}";
            }
        }

        // The runtime lets an assembly that declares this attribute skip access checks on the assemblies it names:
        // private members of allowed types (an inline array's element field, string internals) would be reachable.
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            if (md.GetString(type.Name) == "IgnoresAccessChecksToAttribute")
            {
                return "the image declares IgnoresAccessChecksToAttribute, which turns off the runtime's access checks";
            }
        }

        foreach (var handle in md.FieldDefinitions)
        {
            var field = md.GetFieldDefinition(handle);
            if (Describe(field.DecodeSignature(provider, null)) is { } refusal)
            {
                return $"the image declares the field '{md.GetString(field.Name)}' with {refusal}";
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

            // The compiler's own helpers break these rules by design; where they may be used is checked in the bodies.
            if (Helper(md, handle) is not Helpers.None)
            {
                continue;
            }

            if (name.Contains("Unsafe", StringComparison.OrdinalIgnoreCase))
            {
                return $"the image uses '{type}.{name}': members named Unsafe are not allowed in code nodes";
            }

            if (SignatureRefusal(md, member) is { } signature)
            {
                return $"the image uses '{type}.{name}': {signature}";
            }
        }

        return null;
    }

    /// <summary>Generic instantiations (of types and of methods) whose arguments are refused types: <c>List&lt;nint&gt;</c>.</summary>
    private static string? InstantiationRefusal(MetadataReader md)
    {
        var provider = new ShapeProvider(md);
        foreach (var handle in Enumerable.Range(1, md.GetTableRowCount(TableIndex.TypeSpec)).Select(MetadataTokens.TypeSpecificationHandle))
        {
            if (Describe(md.GetTypeSpecification(handle).DecodeSignature(provider, null)) is { } refusal)
            {
                return $"the image instantiates a type with {refusal}";
            }
        }

        foreach (var handle in Enumerable.Range(1, md.GetTableRowCount(TableIndex.MethodSpec)).Select(MetadataTokens.MethodSpecificationHandle))
        {
            if (md.GetMethodSpecification(handle).DecodeSignature(provider, null).Aggregate(Shape.None, (a, b) => a | b) is var shape && Describe(shape) is { } refusal)
            {
                return $"the image instantiates a method with {refusal}";
            }
        }

        return null;
    }

    private static string? SignatureRefusal(MetadataReader md, MemberReference member)
    {
        var provider = new ShapeProvider(md);
        if (member.GetKind() == MemberReferenceKind.Field)
        {
            return Describe(member.DecodeFieldSignature(provider, null));
        }

        var signature = member.DecodeMethodSignature(provider, null);
        return signature.Header.CallingConvention == SignatureCallingConvention.VarArgs
            ? "__arglist calls are not allowed"
            : Describe(signature.ParameterTypes.Aggregate(signature.ReturnType, (a, b) => a | b));
    }

    private static string? Describe(Shape shape) =>
        (shape & Shape.Pointer) != 0 ? "a pointer in its signature"
        : (shape & Shape.NativeInteger) != 0 ? "a native-sized integer (nint, nuint) in its signature"
        : (shape & Shape.VarargsHandle) != 0 ? "a TypedReference, ArgIterator or RuntimeArgumentHandle in its signature"
        : null;

    /// <summary>What the bodies may use only in the compiler's own shapes.</summary>
    private enum Helpers
    {
        None,

        /// <summary><c>Unsafe.As/Add/AsRef</c>, <c>MemoryMarshal.CreateSpan/CreateReadOnlySpan</c>: only inside <c>&lt;PrivateImplementationDetails&gt;</c>.</summary>
        Memory,

        /// <summary><c>RuntimeHelpers.InitializeArray/CreateSpan</c>: only right after <c>ldtoken</c> of the image's own constant data.</summary>
        ConstantData,

        /// <summary><c>ReadOnlySpan(void*, int)</c>: only over the image's own constant data, a constant length that fits it.</summary>
        SpanOverConstantData,

        /// <summary><c>Type.GetTypeFromHandle</c>: only in a record's compiler-generated <c>EqualityContract</c> getter.</summary>
        TypeFromHandle,

        /// <summary><c>.ctor(object, native int)</c> of a delegate: only right after <c>ldftn</c> or <c>ldvirtftn</c>.</summary>
        DelegateConstructor,

        /// <summary>An async method builder's <c>AwaitUnsafeOnCompleted</c> (the builder flows the context itself): only in a state machine's <c>MoveNext</c>.</summary>
        AsyncMachinery,
    }

    private static Helpers Helper(MetadataReader md, MemberReferenceHandle handle)
    {
        var member = md.GetMemberReference(handle);
        var name = md.GetString(member.Name);
        switch (ParentName(md, member.Parent), name)
        {
            case ({ } builder, "AwaitUnsafeOnCompleted") when builder.StartsWith("System.Runtime.CompilerServices.Async", StringComparison.Ordinal)
                && (builder.EndsWith("MethodBuilder", StringComparison.Ordinal) || builder.EndsWith("MethodBuilder`1", StringComparison.Ordinal)):
                return Helpers.AsyncMachinery;
            case ("System.Runtime.CompilerServices.Unsafe", "As" or "Add" or "AsRef"):
            case ("System.Runtime.InteropServices.MemoryMarshal", "CreateSpan" or "CreateReadOnlySpan"):
                return Helpers.Memory;
            case ("System.Runtime.CompilerServices.RuntimeHelpers", "InitializeArray" or "CreateSpan"):
                return Helpers.ConstantData;
            case ("System.Type", "GetTypeFromHandle"):
                return Helpers.TypeFromHandle;
            case (_, ".ctor") when member.GetKind() == MemberReferenceKind.Method:
                var signature = member.DecodeMethodSignature(new ShapeProvider(md), null);
                if (signature.ParameterTypes is [Shape.Object, Shape.NativeInteger | Shape.Itself])
                {
                    return Helpers.DelegateConstructor;
                }

                return ParentName(md, member.Parent) == "System.ReadOnlySpan`1" && signature.ParameterTypes is [Shape.Pointer, Shape.Integer]
                    ? Helpers.SpanOverConstantData
                    : Helpers.None;
            default:
                return Helpers.None;
        }
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

    /// <summary>The top-level type Roslyn puts constant data and its inline-array helpers in (a script submission adds its number).</summary>
    private const string PrivateImplementationDetails = "<PrivateImplementationDetails>";

    /// <summary>
    /// Reads every method body, instruction by instruction: refuses instructions that make or use raw addresses, local
    /// variables of refused types, and any use of a compiler helper outside the place and shape the compiler gives it.
    /// </summary>
    private static string? BodyRefusal(PEReader pe, MetadataReader md)
    {
        var provider = new ShapeProvider(md);
        var helpers = new Dictionary<EntityHandle, Helpers>();
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var context = new BodyContext(md, method);
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil
                && Describe(md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null).Aggregate(Shape.None, (a, b) => a | b)) is { } local)
            {
                return $"the method '{context.Name}' has a local variable with {local}";
            }

            if (InstructionsRefusal(md, body.GetILReader(), context, helpers) is { } refusal)
            {
                return $"the method '{context.Name}' {refusal}";
            }
        }

        return null;
    }

    private static string? InstructionsRefusal(MetadataReader md, BlobReader il, BodyContext context, Dictionary<EntityHandle, Helpers> helpers)
    {
        Instruction previous = default, beforePrevious = default;
        while (il.RemainingBytes > 0)
        {
            var instruction = Instruction.Read(ref il);
            if (Forbidden(instruction.OpCode))
            {
                return $"uses the IL instruction {instruction.OpCode}, which works on raw addresses";
            }

            if (previous.OpCode is ILOpCode.Ldftn or ILOpCode.Ldvirtftn && instruction.OpCode != ILOpCode.Newobj)
            {
                return "takes a method's address other than to make a delegate";
            }

            if (instruction.Token is { IsNil: false } token && TokenRefusal(md, instruction, previous, beforePrevious, context, helpers, token) is { } refusal)
            {
                return refusal;
            }

            beforePrevious = previous;
            previous = instruction;
        }

        return null;
    }

    private static string? TokenRefusal(MetadataReader md, Instruction instruction, Instruction previous, Instruction beforePrevious, BodyContext context,
        Dictionary<EntityHandle, Helpers> helpers, EntityHandle token)
    {
        var target = token.Kind == HandleKind.MethodSpecification ? md.GetMethodSpecification((MethodSpecificationHandle)token).Method : token;
        if (MemberName(md, target) == "get_EqualityContract" && !(context.CompilerGenerated && context.Name is "get_EqualityContract" or "Equals" or "GetHashCode"))
        {
            return "reads a record's EqualityContract outside the record's compiler-generated members";
        }

        if (token.Kind == HandleKind.MethodSpecification && target.Kind == HandleKind.MethodDefinition)
        {
            return InlineArrayRefusal(md, (MethodSpecificationHandle)token, (MethodDefinitionHandle)target, previous);
        }

        if (target.Kind != HandleKind.MemberReference)
        {
            return null;
        }

        if (!helpers.TryGetValue(target, out var helper))
        {
            helper = helpers[target] = Helper(md, (MemberReferenceHandle)target);
        }

        var isCall = instruction.OpCode is ILOpCode.Call or ILOpCode.Newobj;
        var allowed = helper switch
        {
            Helpers.None => true,
            Helpers.Memory => isCall && context.InHelpers,
            Helpers.ConstantData => isCall && previous.OpCode == ILOpCode.Ldtoken && IsConstantData(md, previous.Token, out _),
            Helpers.SpanOverConstantData => isCall && previous.Constant is { } length && beforePrevious.OpCode == ILOpCode.Ldsflda
                && IsConstantData(md, beforePrevious.Token, out var size) && length >= 0 && length <= size,
            Helpers.TypeFromHandle => isCall && context.CompilerGenerated && context.Name == "get_EqualityContract" && previous.OpCode == ILOpCode.Ldtoken
                && previous.Token.Kind is HandleKind.TypeDefinition or HandleKind.TypeSpecification,
            Helpers.DelegateConstructor => instruction.OpCode == ILOpCode.Newobj && previous.OpCode is ILOpCode.Ldftn or ILOpCode.Ldvirtftn,
            Helpers.AsyncMachinery => isCall && context.Name == "MoveNext",
            _ => false,
        };
        return allowed ? null : $"uses the compiler helper '{ParentName(md, md.GetMemberReference((MemberReferenceHandle)target).Parent)}.{MemberName(md, target)}' outside the shape the compiler gives it";
    }

    /// <summary>
    /// The inline-array helpers in <c>&lt;PrivateImplementationDetails&gt;</c> do no bounds check (they are
    /// <c>Unsafe.Add</c> and <c>MemoryMarshal.CreateSpan</c> over the buffer), so a call to one must pass a constant
    /// index below, or a constant length up to, the buffer's <c>[InlineArray(n)]</c> length, as Roslyn's calls do.
    /// </summary>
    private static string? InlineArrayRefusal(MetadataReader md, MethodSpecificationHandle token, MethodDefinitionHandle target, Instruction previous)
    {
        var method = md.GetMethodDefinition(target);
        var declaring = md.GetTypeDefinition(method.GetDeclaringType());
        var name = md.GetString(method.Name);
        if (!md.GetString(declaring.Name).StartsWith(PrivateImplementationDetails, StringComparison.Ordinal) || name is not ("InlineArrayElementRef" or "InlineArrayAsSpan" or "InlineArrayAsReadOnlySpan"))
        {
            return null;
        }

        var limit = name == "InlineArrayElementRef" ? InlineArrayLength(md, token) - 1 : InlineArrayLength(md, token);
        return previous.Constant is { } value && value >= 0 && value <= limit
            ? null
            : $"calls the compiler helper '{name}' with an index or length that is not a constant within its buffer";
    }

    /// <summary>The <c>[InlineArray(n)]</c> length of a helper call's buffer type (its first type argument), or -1.</summary>
    private static int InlineArrayLength(MetadataReader md, MethodSpecificationHandle token)
    {
        var blob = md.GetBlobReader(md.GetMethodSpecification(token).Signature);
        blob.ReadSignatureHeader();
        blob.ReadCompressedInteger();
        var code = blob.ReadSignatureTypeCode();
        if (code == SignatureTypeCode.GenericTypeInstance)
        {
            code = blob.ReadSignatureTypeCode();
        }

        if (code != SignatureTypeCode.TypeHandle)
        {
            return -1;
        }

        var buffer = blob.ReadTypeHandle();
        if (buffer.Kind == HandleKind.TypeReference)
        {
            return BclInlineArrayLength(md, (TypeReferenceHandle)buffer);
        }

        if (buffer.Kind != HandleKind.TypeDefinition)
        {
            return -1;
        }

        foreach (var handle in md.GetTypeDefinition((TypeDefinitionHandle)buffer).GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind == HandleKind.MemberReference
                && ParentName(md, md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent) == "System.Runtime.CompilerServices.InlineArrayAttribute")
            {
                var value = md.GetBlobReader(attribute.Value);
                return value.ReadUInt16() == 1 ? value.ReadInt32() : -1;
            }
        }

        return -1;
    }

    /// <summary>
    /// N for a reference to the BCL's <c>InlineArrayN&lt;T&gt;</c> in the core library (by name, top level, from
    /// <c>System.Runtime</c> or <c>System.Private.CoreLib</c>: the runtime resolves it to the real type, whose length is
    /// N); -1 for any other referenced type, whose length the image cannot prove.
    /// </summary>
    private static int BclInlineArrayLength(MetadataReader md, TypeReferenceHandle handle)
    {
        var type = md.GetTypeReference(handle);
        if (type.ResolutionScope.Kind != HandleKind.AssemblyReference
            || md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name) is not ("System.Runtime" or "System.Private.CoreLib"))
        {
            return -1;
        }

        var name = FullName(md, handle);
        return Enumerable.Range(2, BclInlineArrayMaxLength - 1).FirstOrDefault(n => name == BclInlineArrayName(n), -1);
    }

    /// <summary>True for a field of the image's own <c>&lt;PrivateImplementationDetails&gt;</c> with constant data; its size in bytes.</summary>
    private static bool IsConstantData(MetadataReader md, EntityHandle handle, out int size)
    {
        size = 0;
        if (handle.Kind != HandleKind.FieldDefinition)
        {
            return false;
        }

        var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
        var declaring = md.GetTypeDefinition(field.GetDeclaringType());
        if ((field.Attributes & FieldAttributes.HasFieldRVA) == 0 || !declaring.GetDeclaringType().IsNil || !md.GetString(declaring.Name).StartsWith(PrivateImplementationDetails, StringComparison.Ordinal))
        {
            return false;
        }

        var blob = md.GetBlobReader(field.Signature);
        blob.ReadSignatureHeader();
        size = blob.ReadSignatureTypeCode() switch
        {
            SignatureTypeCode.Boolean or SignatureTypeCode.SByte or SignatureTypeCode.Byte => 1,
            SignatureTypeCode.Char or SignatureTypeCode.Int16 or SignatureTypeCode.UInt16 => 2,
            SignatureTypeCode.Int32 or SignatureTypeCode.UInt32 or SignatureTypeCode.Single => 4,
            SignatureTypeCode.Int64 or SignatureTypeCode.UInt64 or SignatureTypeCode.Double => 8,
            SignatureTypeCode.TypeHandle when blob.ReadTypeHandle() is { Kind: HandleKind.TypeDefinition } type => md.GetTypeDefinition((TypeDefinitionHandle)type).GetLayout().Size,
            _ => 0,
        };
        return true;
    }

    private static string? MemberName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.MethodDefinition => md.GetString(md.GetMethodDefinition((MethodDefinitionHandle)handle).Name),
        HandleKind.MemberReference => md.GetString(md.GetMemberReference((MemberReferenceHandle)handle).Name),
        _ => null,
    };

    /// <summary>
    /// Instructions that make, use or move raw addresses or untyped memory; Roslyn emits none of them for a script the
    /// policy accepts (pointers, <c>stackalloc</c>, <c>__makeref</c>, <c>__arglist</c> and native integers are refused in source).
    /// </summary>
    private static bool Forbidden(ILOpCode opCode) => opCode is ILOpCode.Calli or ILOpCode.Jmp or ILOpCode.Localloc or ILOpCode.Cpblk or ILOpCode.Initblk
        or ILOpCode.Mkrefany or ILOpCode.Refanyval or ILOpCode.Refanytype or ILOpCode.Arglist or ILOpCode.Ldind_i or ILOpCode.Stind_i or ILOpCode.Conv_i
        or ILOpCode.Conv_u or ILOpCode.Conv_ovf_i or ILOpCode.Conv_ovf_u or ILOpCode.Conv_ovf_i_un or ILOpCode.Conv_ovf_u_un or ILOpCode.Ldelem_i
        or ILOpCode.Stelem_i;

    /// <summary>Who a method body belongs to: the compiler's helper type, a compiler-generated member, or neither.</summary>
    private readonly struct BodyContext
    {
        public BodyContext(MetadataReader md, MethodDefinition method)
        {
            Name = md.GetString(method.Name);
            var declaring = md.GetTypeDefinition(method.GetDeclaringType());
            InHelpers = declaring.GetDeclaringType().IsNil && md.GetString(declaring.Name).StartsWith(PrivateImplementationDetails, StringComparison.Ordinal);
            CompilerGenerated = method.GetCustomAttributes().Any(a => AttributeName(md, md.GetCustomAttribute(a)) == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");
        }

        public string Name { get; }

        public bool InHelpers { get; }

        public bool CompilerGenerated { get; }

        private static string? AttributeName(MetadataReader md, CustomAttribute attribute) => attribute.Constructor.Kind == HandleKind.MemberReference
            ? ParentName(md, md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent)
            : null;
    }

    /// <summary>One IL instruction: its opcode, its metadata token (if it has one) and its constant (for <c>ldc.i4</c>).</summary>
    private readonly record struct Instruction(ILOpCode OpCode, EntityHandle Token, int? Constant)
    {
        public static Instruction Read(ref BlobReader il)
        {
            int code = il.ReadByte();
            if (code == 0xFE)
            {
                code = 0xFE00 | il.ReadByte();
            }

            var opCode = (ILOpCode)code;
            switch (opCode)
            {
                case >= ILOpCode.Ldc_i4_m1 and <= ILOpCode.Ldc_i4_8:
                    return new(opCode, default, code - (int)ILOpCode.Ldc_i4_0);
                case ILOpCode.Ldc_i4_s:
                    return new(opCode, default, il.ReadSByte());
                case ILOpCode.Ldc_i4:
                    return new(opCode, default, il.ReadInt32());
                case ILOpCode.Switch:
                    // The count is read before the offset moves past the table: "il.Offset += 4 * il.ReadUInt32()" reads
                    // the offset first, loses the count's own 4 bytes and reads the table's last entry as code.
                    var targets = il.ReadUInt32();
                    il.Offset += targets <= (uint)(il.RemainingBytes / 4) ? (int)targets * 4 : throw new BadImageFormatException("a switch table runs past its method body");
                    return new(opCode, default, null);
                case ILOpCode.Ldstr:
                    il.ReadInt32();
                    return new(opCode, default, null);
            }

            var size = OperandSize(opCode);
            if (size == TokenOperand)
            {
                return new(opCode, MetadataTokens.EntityHandle(il.ReadInt32()), null);
            }

            il.Offset += size;
            return new(opCode, default, null);
        }

        private const int TokenOperand = -1;

        private static int OperandSize(ILOpCode opCode) => opCode switch
        {
            ILOpCode.Jmp or ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Ldftn or ILOpCode.Ldvirtftn or ILOpCode.Cpobj or ILOpCode.Ldobj
                or ILOpCode.Castclass or ILOpCode.Isinst or ILOpCode.Unbox or ILOpCode.Stobj or ILOpCode.Box or ILOpCode.Newarr or ILOpCode.Ldelema
                or ILOpCode.Ldelem or ILOpCode.Stelem or ILOpCode.Unbox_any or ILOpCode.Refanyval or ILOpCode.Mkrefany or ILOpCode.Initobj
                or ILOpCode.Constrained or ILOpCode.Sizeof or ILOpCode.Ldfld or ILOpCode.Ldflda or ILOpCode.Stfld or ILOpCode.Ldsfld or ILOpCode.Ldsflda
                or ILOpCode.Stsfld or ILOpCode.Ldtoken => TokenOperand,
            ILOpCode.Calli or ILOpCode.Ldc_r4 or ILOpCode.Br or ILOpCode.Brfalse or ILOpCode.Brtrue or ILOpCode.Beq or ILOpCode.Bge or ILOpCode.Bgt
                or ILOpCode.Ble or ILOpCode.Blt or ILOpCode.Bne_un or ILOpCode.Bge_un or ILOpCode.Bgt_un or ILOpCode.Ble_un or ILOpCode.Blt_un
                or ILOpCode.Leave => 4,
            ILOpCode.Ldc_i8 or ILOpCode.Ldc_r8 => 8,
            ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Starg or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Stloc => 2,
            ILOpCode.Ldarg_s or ILOpCode.Ldarga_s or ILOpCode.Starg_s or ILOpCode.Ldloc_s or ILOpCode.Ldloca_s or ILOpCode.Stloc_s or ILOpCode.Br_s
                or ILOpCode.Brfalse_s or ILOpCode.Brtrue_s or ILOpCode.Beq_s or ILOpCode.Bge_s or ILOpCode.Bgt_s or ILOpCode.Ble_s or ILOpCode.Blt_s
                or ILOpCode.Bne_un_s or ILOpCode.Bge_un_s or ILOpCode.Bgt_un_s or ILOpCode.Ble_un_s or ILOpCode.Blt_un_s or ILOpCode.Leave_s
                or ILOpCode.Unaligned => 1,
            _ => 0,
        };
    }

    /// <summary>What a signature holds, as far as the rules care; only the refused kinds travel through arrays, references and type arguments.</summary>
    [Flags]
    private enum Shape
    {
        None = 0,
        Pointer = 1,
        NativeInteger = 2,
        VarargsHandle = 4,
        Refused = Pointer | NativeInteger | VarargsHandle,
        Object = 8,
        Integer = 16,
        Itself = 32,
    }

    private sealed class ShapeProvider(MetadataReader md) : ISignatureTypeProvider<Shape, object?>
    {
        public Shape GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.IntPtr or PrimitiveTypeCode.UIntPtr => Shape.NativeInteger | Shape.Itself,
            PrimitiveTypeCode.TypedReference => Shape.VarargsHandle,
            PrimitiveTypeCode.Object => Shape.Object,
            PrimitiveTypeCode.SByte or PrimitiveTypeCode.Byte or PrimitiveTypeCode.Int16 or PrimitiveTypeCode.UInt16 or PrimitiveTypeCode.Int32
                or PrimitiveTypeCode.UInt32 or PrimitiveTypeCode.Int64 or PrimitiveTypeCode.UInt64 => Shape.Integer,
            _ => Shape.None,
        };

        public Shape GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => FullName(md, handle) switch
        {
            "System.IntPtr" or "System.UIntPtr" => Shape.NativeInteger,
            "System.TypedReference" or "System.ArgIterator" or "System.RuntimeArgumentHandle" => Shape.VarargsHandle,
            _ => Shape.None,
        };

        public Shape GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Shape.None;

        public Shape GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, genericContext) & Shape.Refused;

        public Shape GetSZArrayType(Shape elementType) => elementType & Shape.Refused;

        public Shape GetArrayType(Shape elementType, ArrayShape shape) => elementType & Shape.Refused;

        public Shape GetByReferenceType(Shape elementType) => elementType & Shape.Refused;

        public Shape GetPointerType(Shape elementType) => Shape.Pointer;

        public Shape GetFunctionPointerType(MethodSignature<Shape> signature) => Shape.Pointer;

        public Shape GetPinnedType(Shape elementType) => Shape.Pointer;

        public Shape GetGenericInstantiation(Shape genericType, ImmutableArray<Shape> typeArguments) =>
            typeArguments.Aggregate(genericType, (a, b) => a | b) & Shape.Refused;

        public Shape GetGenericMethodParameter(object? genericContext, int index) => Shape.None;

        public Shape GetGenericTypeParameter(object? genericContext, int index) => Shape.None;

        public Shape GetModifiedType(Shape modifier, Shape unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
