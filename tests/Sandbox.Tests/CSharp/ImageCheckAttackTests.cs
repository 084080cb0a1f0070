using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// The member-level image check, fed images that never went through the source policy (emitted here by Roslyn with
/// unsafe code allowed, or patched after a clean compile): what issue #11 reached through members the source policy
/// never saw (compiler-synthesized record members, state machines, constant data helpers) is refused on the image.
/// </summary>
public sealed class ImageCheckAttackTests
{
    private static readonly ScriptCompiler Compiler = new();

    private static byte[] Emit(string source)
    {
        var compilation = CSharpCompilation.Create("crafted", [CSharpSyntaxTree.ParseText(source)], Compiler.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: source.Contains("unsafe", StringComparison.Ordinal), optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics));
        return image.ToArray();
    }

    private static string Refusal(byte[] image)
    {
        var result = ScriptCompiler.Checked(image);
        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SR0005", diagnostic.Code);
        return diagnostic.Message;
    }

    [Theory]
    [InlineData("public static class S { public static long Run() { var a = new long[2]; uint o = 4; return System.Numerics.Vector.LoadUnsafe(ref a[0], o)[0]; } }", "LoadUnsafe")]
    [InlineData("public static class S { public static async System.Threading.Tasks.Task<long> Run() { await System.Threading.Tasks.Task.Delay(1); var a = new long[2]; return System.Numerics.Vector.LoadUnsafe(ref a[0], 4u)[0]; } }", "LoadUnsafe")]
    [InlineData("public static class S { public static System.Collections.Generic.IEnumerable<long> Run() { var a = new long[2]; yield return System.Numerics.Vector.LoadUnsafe(ref a[0], 4u)[0]; } }", "LoadUnsafe")]
    [InlineData("public static class S { public static System.Func<long> Run() { var a = new long[2]; return () => System.Numerics.Vector.LoadUnsafe(ref a[0], 4u)[0]; } }", "LoadUnsafe")]
    [InlineData("public record R(System.Numerics.Vector<long> V);", "System.Numerics.Vector`1")]
    public void A_refused_member_reached_from_compiler_synthesized_code_is_refused(string source, string expected)
    {
        Assert.Contains(expected, Refusal(Emit(source)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static class S { public static nint Run() => System.Math.Max((nint)1, (nint)2); }", "native-sized integer")]
    [InlineData("public static class S { public static int Run() => new System.Collections.Generic.List<nint> { 1 }.Count; }", "native-sized integer")]
    [InlineData("public static class S { public static int Run(int y) { nint x = y; for (var i = 0; i < y; i++) { x += i; } return (int)x; } }", "local variable with a native-sized integer")]
    [InlineData("public static class S { public static int Run() { nint x = 5; return x.GetHashCode(); } }", "System.IntPtr")]
    [InlineData("public static unsafe class S { public static string Run(byte* p) => System.Text.Encoding.UTF8.GetString(p, 4); }", "pointer")]
    [InlineData("public static class S { public static int Run(nint x) => x.ToString().Length; }", "the method 'Run' with a native-sized integer")]
    [InlineData("public sealed class S { public System.Collections.Generic.List<nuint>? Field; }", "the field 'Field' with a native-sized integer")]
    [InlineData("public static unsafe class S { public static int Run(int* p) => p == null ? 0 : 1; }", "pointer")]
    [InlineData("public static class S { public static string Run() => string.Intern(\"marker\"); }", "Intern")]
    [InlineData("public static class S { public static void Run() => System.Threading.Tasks.Task.CompletedTask.GetAwaiter().UnsafeOnCompleted(() => { }); }", "UnsafeOnCompleted")]
    public void Members_that_break_the_member_rules_are_refused_on_the_image(string source, string expected)
    {
        Assert.Contains(expected, Refusal(Emit(source)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static class S { public static object Run() => typeof(string); }", "GetTypeFromHandle")]
    [InlineData("public record R(int X) { public object Contract() => EqualityContract; }", "EqualityContract")]
    [InlineData("public record R(int X) { protected virtual System.Type EqualityContract => typeof(string); }", "GetTypeFromHandle")]
    [InlineData("public record B(int X); public record D(int X) : B(X) { public object Contract() => base.EqualityContract; }", "EqualityContract")]
    [InlineData("public static class S { public static ref long Run(long[] a) => ref System.Runtime.CompilerServices.Unsafe.Add(ref a[0], 9); }", "Unsafe.Add")]
    [InlineData("public static class S { public static int Run(long[] a) => System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref a[0], 99).Length; }", "MemoryMarshal.CreateSpan")]
    [InlineData("public static class S { public static void Run() => System.Runtime.CompilerServices.RuntimeHelpers.InitializeArray(new long[9], default); }", "InitializeArray")]
    public void Compiler_helpers_outside_the_compilers_own_shapes_are_refused(string source, string expected)
    {
        Assert.Contains(expected, Refusal(Emit(source)), StringComparison.Ordinal);
    }

    // A converter's Type parameter passes the image check as a name in a signature; what a crafted image does with the
    // value is refused at the first member of Type it reaches.
    private const string CraftedConverter = "public sealed class C : System.Text.Json.Serialization.JsonConverter<int> { "
        + "public override int Read(ref System.Text.Json.Utf8JsonReader r, System.Type t, System.Text.Json.JsonSerializerOptions o) => BODY; "
        + "public override void Write(System.Text.Json.Utf8JsonWriter w, int v, System.Text.Json.JsonSerializerOptions o) => w.WriteNumberValue(v); }";

    [Theory]
    [InlineData("t.GetMethods().Length", "System.Type.GetMethods")]
    [InlineData("t.Assembly.GetTypes().Length", "System.Type.get_Assembly")]
    [InlineData("(int)t.InvokeMember(\"Parse\", System.Reflection.BindingFlags.InvokeMethod, null, null, new object[] { \"1\" })!", "System.Type.InvokeMember")]
    [InlineData("Type!.Name.Length", "get_Type")]
    public void A_crafted_converter_that_reflects_over_its_type_is_refused_on_the_image(string body, string expected)
    {
        Assert.Contains(expected, Refusal(Emit(CraftedConverter.Replace("BODY", body, StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_converter_whose_type_parameter_is_only_declared_passes_the_image_check()
    {
        var result = ScriptCompiler.Checked(Emit(CraftedConverter.Replace("BODY", "r.GetInt32()", StringComparison.Ordinal)));

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }

    [Theory]
    [InlineData("public static unsafe class S { public static int Run() { int* p = stackalloc int[4]; return p[0]; } }")]
    [InlineData("public static unsafe class S { static int M() => 1; public static int Run() { delegate*<int> f = &M; return f(); } }")]
    [InlineData("public static class S { public static object Run(int x) => __makeref(x).GetHashCode(); }")]
    [InlineData("public static unsafe class S { public static long Run(long a) => *(long*)(&a + 8); }")]
    public void Raw_address_instructions_are_refused(string source)
    {
        Assert.NotEmpty(Refusal(Emit(source)));
    }

    [Fact]
    public void A_span_over_constant_data_patched_to_reach_past_it_is_refused()
    {
        var clean = Compiler.Compile("int Length() { ReadOnlySpan<byte> data = \"abc\"u8; return data.Length; }\nreturn Length();");
        Assert.True(clean.Succeeded, string.Join("; ", clean.Diagnostics));
        var image = clean.Image!;

        // ldsflda (0x7F, token) of the constant data, ldc.i4.3 (0x19), then newobj (0x73) or call (0x28) of
        // ReadOnlySpan<byte>(void*, int): make the length 8 (ldc.i4.8, 0x1E).
        var at = Enumerable.Range(5, image.Length - 6).Single(i => image[i - 5] == 0x7F && image[i] == 0x19 && image[i + 1] is 0x73 or 0x28);
        var patched = (byte[])image.Clone();
        patched[at] = 0x1E;

        Assert.True(ScriptCompiler.Checked(image).Succeeded);
        Assert.Contains("ReadOnlySpan`1..ctor", Refusal(patched), StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_array_element_patched_to_lie_past_its_buffer_is_refused()
    {
        var clean = Compiler.Compile("return string.Join(\",\", [\"x\", \"y\", context.Run.Node]);");
        Assert.True(clean.Succeeded, string.Join("; ", clean.Diagnostics));
        var image = clean.Image!;

        // The third element is written through InlineArrayElementRef(ref buffer, 2): ldc.i4.2 (0x18) then call (0x28)
        // of a method specification (token 0x2B......). Make the index 7 (ldc.i4.7, 0x1D) in a 3-element buffer.
        var at = Enumerable.Range(0, image.Length - 5).First(i => image[i] == 0x18 && image[i + 1] == 0x28 && image[i + 5] == 0x2B);
        var patched = (byte[])image.Clone();
        patched[at] = 0x1D;

        Assert.True(ScriptCompiler.Checked(image).Succeeded);
        Assert.Contains("InlineArrayElementRef", Refusal(patched), StringComparison.Ordinal);
    }

    // Roslyn 5.12 lays params spans and collection expressions of 2 to 16 elements over the BCL's InlineArrayN<T>
    // (System.Runtime) instead of a buffer type of its own; the helpers that reach its elements still do no bounds
    // check, so their constant index or length is held to N, read off the referenced type's name.
    private const string BclInlineArray = "public static class S { public static long Run() { var b = new System.Runtime.CompilerServices.InlineArray4<long>(); "
        + "b[3] = 7; System.Span<long> s = b; return s[3] + s.Length; } }";

    [Theory]
    [InlineData(0x19, "InlineArrayElementRef")]
    [InlineData(0x1A, "InlineArrayAsSpan")]
    public void A_bcl_inline_array_index_or_length_patched_past_its_length_is_refused(byte constant, string helper)
    {
        var image = Emit(BclInlineArray);
        Assert.True(ScriptCompiler.Checked(image).Succeeded, string.Join("; ", ScriptCompiler.Checked(image).Diagnostics));
        Assert.True(System.Text.Encoding.UTF8.GetString(image).Contains("InlineArray4`1", StringComparison.Ordinal), "the image does not use the BCL's InlineArray4<T>");

        // ldc.i4.3 (index 3) or ldc.i4.4 (length 4), then call (0x28) of a helper's method specification (0x2B......):
        // make it ldc.i4.8 in a 4-element buffer.
        var at = Enumerable.Range(0, image.Length - 5).First(i => image[i] == constant && image[i + 1] == 0x28 && image[i + 5] == 0x2B);
        var patched = (byte[])image.Clone();
        patched[at] = 0x1E;

        Assert.Contains(helper, Refusal(patched), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static class S { public static long Run() { var b = new System.Runtime.CompilerServices.InlineArray2<long>(); "
        + "return System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.CompilerServices.Unsafe.As<System.Runtime.CompilerServices.InlineArray2<long>, long>(ref b), 5); } }", "Unsafe.A")]
    [InlineData("public static class S { public static int Run() { var b = new System.Runtime.CompilerServices.InlineArray2<long>(); "
        + "return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.As<System.Runtime.CompilerServices.InlineArray2<long>, long>(ref b), 99).Length; } }", "Unsafe.As")]
    [InlineData("public static class S { public static int Run() { var b = new System.Runtime.CompilerServices.InlineArray16<object>(); "
        + "return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.As<System.Runtime.CompilerServices.InlineArray16<object>, long>(ref b), 16).Length; } }", "Unsafe.As")]
    public void A_bcl_inline_array_reached_outside_the_compilers_helpers_is_refused(string source, string expected)
    {
        Assert.Contains(expected, Refusal(Emit(source)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_instruction_right_after_a_switch_table_is_read_where_it_is()
    {
        // ldarg.0; switch (4 targets); br.s default; then the cases. Patch the table's last entry to 0x21 (ldc.i8, which
        // takes 8 bytes) and put localloc (FE 0F) over the br.s: a reader that lost the count's 4 bytes reads the last
        // entry as ldc.i8 and its 8 bytes swallow the localloc.
        var image = Emit("public static class S { public static int Run(int x) { switch (x) { case 0: return 11; case 1: return 22; case 2: return 33; case 3: return 44; } return 0; } }");
        Assert.True(ScriptCompiler.Checked(image).Succeeded);
        var at = Enumerable.Range(0, image.Length - 21).Single(i => image[i] == 0x45 && image[i + 1] == 4 && image[i + 2] == 0 && image[i + 3] == 0 && image[i + 4] == 0
            && Enumerable.Range(0, 4).All(k => image[i + 5 + 4 * k] < 0x40 && image[i + 6 + 4 * k] == 0 && image[i + 7 + 4 * k] == 0 && image[i + 8 + 4 * k] == 0));
        var patched = (byte[])image.Clone();
        patched[at + 17] = 0x21;
        patched[at + 21] = 0xFE;
        patched[at + 22] = 0x0F;

        Assert.Contains("Localloc", Refusal(patched), StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_with_a_switch_in_its_state_machine_passes_the_image_check()
    {
        // Found with Roslyn 5.12: the top-level state machine's switch over four awaits was misread past its table as
        // conv.ovf.u, and a good script was refused.
        var result = Compiler.Compile("""
            context.Log("started");
            async Task<int> Twice(int n) { await Task.Delay(2); return n * 2; }
            var sum = await Twice(1);
            try { await Fail(); } catch (InvalidOperationException) { sum += 100; }
            async Task Fail() { await Task.Delay(1); throw new InvalidOperationException("x"); }
            return await Twice(sum) + await Twice(0);
            """);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }

    [Fact]
    public void An_image_that_turns_off_access_checks_to_reach_private_members_is_refused()
    {
        var image = Emit("""
            [assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("System.Private.CoreLib")]
            namespace System.Runtime.CompilerServices
            {
                [System.AttributeUsage(System.AttributeTargets.Assembly, AllowMultiple = true)]
                public sealed class IgnoresAccessChecksToAttribute(string assemblyName) : System.Attribute { public string AssemblyName { get; } = assemblyName; }
            }
            public static class S { public static int Run() => 1; }
            """);

        Assert.Contains("IgnoresAccessChecksToAttribute", Refusal(image), StringComparison.Ordinal);
    }

    [Fact]
    public void Records_collection_expressions_constant_data_and_async_pass_in_the_shapes_the_compiler_emits()
    {
        var result = Compiler.Compile("""
            record Item(string Name, decimal Price);
            record Special(string Name, decimal Price, int Rank) : Item(Name, Price);
            int[] table = [1, 2, 3, 4, 5, 6, 7, 8, 9];
            var longs = new long[] { 1, 2, 3, 4, 5, 6, 7, 8 };
            int Spans() { ReadOnlySpan<int> s = [1, 2, 3, 4, 5]; ReadOnlySpan<byte> b = [1, 2, 3]; return s.Length + b.Length + "xyz"u8.Length; }
            var item = new Special("a", 1m, 2);
            var copy = item with { Rank = 3 };
            Func<int, int> twice = x => x * 2;
            async Task<int> Later() { await Task.Delay(1); return 1; }
            IEnumerable<int> Gen() { yield return 1; }
            var list = new List<int> { 1, 2 };
            List<int> more = [.. list, 3];
            return $"{item} {item == copy} {item.GetHashCode() != 0} {table.Sum() + longs.Sum() + Spans() + twice(2) + await Later() + Gen().Sum() + more.Count} {string.Join(",", ["x", "y", "z"])} {string.Concat("a", "b", "c", "d", "e")}";
            """);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }
}
