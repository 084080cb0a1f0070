using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// The escape of issue #11, step by step, against the policy: bounds-free vector loads and stores reached through an
/// implicit <c>uint -> nuint</c> conversion, a record's <c>EqualityContract</c> as a way to a <c>System.Type</c>, and
/// the other member shapes the member-level rules refuse. Each script compiled fine under the namespace-level policy.
/// </summary>
public sealed class ScriptPolicyAttackTests
{
    private static readonly ScriptCompiler Compiler = new();

    private static ScriptCompilation Refused(string source)
    {
        var result = Compiler.Compile(source);
        Assert.False(result.Succeeded, "the script compiled: " + source);
        Assert.Null(result.Image);
        return result;
    }

    private static void AssertRefusedNaming(string source, string expected)
    {
        var result = Refused(source);
        Assert.True(result.Diagnostics.Any(d => d.Code.StartsWith("SR", StringComparison.Ordinal) && d.Message.Contains(expected, StringComparison.Ordinal)),
            $"no policy refusal naming '{expected}': {string.Join("; ", result.Diagnostics)}");
    }

    // The first half of the escape as it ran: a write past a long[2] into the next object through Vector.StoreUnsafe,
    // whose nuint offset came from a uint local; the second half, delegates over abstract members of a fake type laid
    // over the confused object, dispatching to Type.Assembly and friends.
    private const string Escape = """
        using System.Numerics;
        abstract class FakeType { public abstract object Slot(); }
        sealed class Holder { public object? Target; }
        var a = new long[2];
        var holder = new Holder { Target = "x" };
        uint offset = 4;
        var read = Vector.LoadUnsafe(ref a[0], offset);
        Vector.StoreUnsafe(read, ref a[0], offset);
        var fake = (FakeType)holder.Target!;
        Func<object> call = fake.Slot;
        return call().ToString();
        """;

    [Fact]
    public void The_vector_escape_of_issue_11_is_refused_at_each_bounds_free_member()
    {
        var result = Refused(Escape);

        Assert.Contains(result.Diagnostics, d => d.Line == 7 && d.Message.Contains("LoadUnsafe", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.Line == 8 && d.Message.Contains("StoreUnsafe", StringComparison.Ordinal));
    }

    [Fact]
    public void The_implicit_uint_to_nuint_conversion_of_the_offset_is_refused_on_its_own()
    {
        var result = Refused(Escape);

        // "offset" in "Vector.LoadUnsafe(ref a[0], offset)": its type is uint, its converted type nuint.
        var column = Escape.Split('\n')[6].IndexOf("offset", StringComparison.Ordinal) + 1;
        Assert.Contains(result.Diagnostics, d => d.Code == "SR0003" && d.Line == 7 && d.Column == column && d.Message.Contains("implicit conversion", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("System.Numerics.Vector.Create(1L)", "Vector")]
    [InlineData("System.Numerics.Vector.IsHardwareAccelerated", "Vector")]
    [InlineData("System.Numerics.Vector<long>.Count", "Vector")]
    [InlineData("new System.Numerics.Vector<long>(new long[8])", "Vector")]
    [InlineData("System.Numerics.Vector2.Zero", "Vector2")]
    [InlineData("System.Numerics.Vector4.One", "Vector4")]
    [InlineData("System.Runtime.Intrinsics.Vector64.Create(1)", "Vector64")]
    [InlineData("System.Runtime.Intrinsics.Vector128.Create(1)", "Vector128")]
    [InlineData("System.Runtime.Intrinsics.Vector256.Create(1)", "Vector256")]
    [InlineData("System.Runtime.Intrinsics.Vector512.Create(1)", "Vector512")]
    [InlineData("System.Numerics.Matrix4x4.Identity", "Matrix4x4")]
    [InlineData("System.Numerics.Quaternion.Identity", "Quaternion")]
    public void Every_vector_type_is_refused(string expression, string expected)
    {
        AssertRefusedNaming($"return {expression}.ToString();", expected);
    }

    [Theory]
    [InlineData("var core = new System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<int>(); return core.Version;", "ManualResetValueTaskSourceCore")]
    [InlineData("System.Threading.Tasks.Sources.IValueTaskSource<int>? source = null; return source is null;", "IValueTaskSource")]
    [InlineData("async IAsyncEnumerable<int> Count() { await Task.Yield(); yield return 1; }\nvar e = Count().GetAsyncEnumerator();\n((System.Threading.Tasks.Sources.IValueTaskSource<bool>)e).OnCompleted(_ => { }, null, 0, default);\nreturn 1;", "IValueTaskSource")]
    [InlineData("System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(new InvalidOperationException(\"x\")).Throw(); return 1;", "ExceptionDispatchInfo")]
    public void The_async_machinery_the_image_check_admits_cannot_be_named_by_a_script(string source, string expected)
    {
        // The image check lets an async iterator's compiled state machine use these (it is its own IValueTaskSource, and
        // an await in a finally rethrows through ExceptionDispatchInfo); a script that names them, to schedule a callback
        // outside any async body through the iterator's OnCompleted, is refused before it compiles.
        AssertRefusedNaming(source, expected);
    }

    [Theory]
    [InlineData("nint x = 1; return 1;", "nint")]
    [InlineData("nuint x = 1; return 1;", "nuint")]
    [InlineData("var x = (nint)1; return 1;", "nint")]
    [InlineData("return IntPtr.Zero.ToString();", "IntPtr")]
    [InlineData("return UIntPtr.MaxValue.ToString();", "UIntPtr")]
    [InlineData("return Math.Max((nint)1, 2).ToString();", "nint")]
    [InlineData("return System.Numerics.BitOperations.Log2((nuint)8);", "nuint")]
    [InlineData("var big = System.Numerics.BigInteger.One; return ((nint)big).ToString();", "nint")]
    public void Native_sized_integers_are_refused_wherever_they_appear(string source, string expected)
    {
        AssertRefusedNaming(source, expected);
    }

    [Theory]
    [InlineData("return string.Intern(\"marker\");")]
    [InlineData("return string.IsInterned(\"marker\") is null;")]
    [InlineData("Func<string, string> intern = string.Intern; return intern(\"marker\");")]
    public void The_process_wide_intern_pool_is_refused(string source)
    {
        AssertRefusedNaming(source, "Intern");
    }

    [Theory]
    [InlineData("async void Fire() { await Task.Delay(1); }\nFire(); return 1;")]
    [InlineData("async void Fire() { await Task.Delay(1); }\nreturn 1;")]
    [InlineData("Action fire = async () => await Task.Delay(1);\nfire(); return 1;")]
    [InlineData("Action fire = async delegate { await Task.Delay(1); };\nreturn 1;")]
    [InlineData("var list = new List<int> { 1 }; list.ForEach(async i => await Task.Delay(i));\nreturn 1;")]
    [InlineData("class C { public async void Fire() { await Task.Delay(1); } }\nreturn 1;")]
    public void Async_void_methods_local_functions_and_lambdas_are_refused(string source)
    {
        AssertRefusedNaming(source, "async void");
    }

    [Theory]
    [InlineData("Func<Task<int>> f = async () => { await Task.Delay(1); return 1; }; return await f();")]
    [InlineData("async Task<int> Later() { await Task.Delay(1); return 2; } return await Later();")]
    [InlineData("async ValueTask<int> Later() { await Task.Delay(1); return 2; } async ValueTask Done() => await Later(); await Done(); return await Later();")]
    public void Async_methods_and_lambdas_that_return_a_task_stay_allowed(string source)
    {
        var result = Compiler.Compile(source);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }

    [Theory]
    [InlineData("return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(\"x\");", "RuntimeHelpers")]
    [InlineData("return System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<int>();", "RuntimeHelpers")]
    [InlineData("return System.Runtime.CompilerServices.Unsafe.As<string>((object)\"x\");", "Unsafe")]
    [InlineData("var a = new long[2]; return System.Runtime.CompilerServices.Unsafe.Add(ref a[0], 3);", "Unsafe")]
    [InlineData("return System.Runtime.InteropServices.MemoryMarshal.AsBytes(new int[1].AsSpan()).Length;", "MemoryMarshal")]
    [InlineData("var a = new long[2]; return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref a[0], 9).Length;", "MemoryMarshal")]
    [InlineData("return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(new List<int> { 1 }).Length;", "CollectionsMarshal")]
    [InlineData("return System.Runtime.InteropServices.Marshal.SizeOf<int>();", "Marshal")]
    [InlineData("using System.Runtime.CompilerServices;\nreturn Unsafe.SizeOf<int>();", "Unsafe")]
    [InlineData("using M = System.Runtime.InteropServices.MemoryMarshal;\nreturn M.AsBytes(new int[1].AsSpan()).Length;", "MemoryMarshal")]
    public void Memory_helpers_named_in_source_are_refused(string source, string expected)
    {
        AssertRefusedNaming(source, expected);
    }

    [Theory]
    [InlineData("Task.Delay(1).GetAwaiter().UnsafeOnCompleted(() => { }); return 1;", "UnsafeOnCompleted")]
    [InlineData("Task.FromResult(1).GetAwaiter().UnsafeOnCompleted(() => { }); return 1;", "UnsafeOnCompleted")]
    [InlineData("System.Threading.CancellationToken.None.UnsafeRegister(_ => { }, null); return 1;", "UnsafeRegister")]
    public void Members_named_unsafe_on_allowed_types_are_refused(string source, string expected)
    {
        AssertRefusedNaming(source, expected);
    }

    [Theory]
    [InlineData("using System.Security.Cryptography;\n#pragma warning disable SYSLIB0045\nreturn SHA256.Create(\"SHA256\")!.HashSize;")]
    [InlineData("using System.Security.Cryptography;\n#pragma warning disable SYSLIB0045\nreturn HashAlgorithm.Create(\"System.Object\") is null;")]
    public void Cryptography_objects_created_by_name_are_refused(string source)
    {
        AssertRefusedNaming(source, "by name");
    }

    [Theory]
    [InlineData("record R(int X) { public object Contract() => EqualityContract; }\nreturn new R(1).Contract().ToString();")]
    [InlineData("record R(int X) { public object Contract() => this.EqualityContract; }\nreturn 1;")]
    [InlineData("record B(int X); record D(int X) : B(X) { public object Contract() => base.EqualityContract; }\nreturn 1;")]
    [InlineData("record R(int X) { protected virtual object EqualityContract => 1; }\nreturn 1;")]
    [InlineData("record R(int X) { public override string ToString() => EqualityContract.ToString(); }\nreturn new R(1).ToString();")]
    [InlineData("record R(int X) { protected virtual bool PrintMembers(StringBuilder b) { b.Append(EqualityContract); return true; } }\nreturn new R(1).ToString();")]
    [InlineData("record R(int X) { public object Contract() { Func<object> f = () => EqualityContract; return f(); } }\nreturn 1;")]
    [InlineData("record R(int X); record D(int X) : R(X) { public object Again() => (this with { X = 2 }).EqualityContract; }\nreturn 1;")]
    public void A_records_equality_contract_is_refused_however_it_is_reached(string source)
    {
        AssertRefusedNaming(source, "EqualityContract");
    }

    [Fact]
    public void Records_with_with_expressions_equality_and_to_string_stay_allowed()
    {
        var result = Compiler.Compile("""
            record Item(string Name, decimal Price);
            record Discounted(string Name, decimal Price, decimal Off) : Item(Name, Price);
            var a = new Discounted("a", 2m, 0.5m);
            var b = a with { Off = 0.25m };
            return $"{a} {a == b} {a.Equals(b with { Off = 0.5m })} {a.GetHashCode() == (b with { Off = 0.5m }).GetHashCode()}";
            """);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }

    // Members the compiler calls for a deconstruction, a foreach or a collection initializer are named nowhere in the
    // source; System.TupleExtensions (not on the allow list) supplies Deconstruct for System.Tuple.
    [Theory]
    [InlineData("var (a, b) = Tuple.Create(1, 2); return a + b;")]
    [InlineData("int a, b; (a, b) = Tuple.Create(1, 2); return a + b;")]
    [InlineData("var sum = 0; foreach (var (a, b) in new[] { Tuple.Create(1, 2) }) sum += a + b; return sum;")]
    public void Members_called_without_being_named_are_checked(string source)
    {
        AssertRefusedNaming(source, "TupleExtensions");
    }

    [Theory]
    [InlineData("var a = new[] { 1, 2 }; Array.Resize(ref a, 4); return a.Length;")]
    [InlineData("var (k, v) = new KeyValuePair<string, int>(\"a\", 1); return k + v;")]
    [InlineData("var sum = 0; foreach (var (k, v) in new Dictionary<string, int> { { \"a\", 1 }, { \"b\", 2 } }) sum += v; return sum;")]
    [InlineData("var (x, y) = (1, 2); return x + y;")]
    [InlineData("int Length() { int x = 5; var s = new Span<int>(ref x); return s.Length; }\nreturn Length();")]
    [InlineData("return int.TryParse(\"12\", out var n) ? Math.DivRem(n, 5, out var r) + r : 0;")]
    [InlineData("var d = new Dictionary<string, int> { [\"a\"] = 1 }; return d.TryGetValue(\"a\", out var v) ? v : 0;")]
    [InlineData("System.Numerics.BigInteger big = 5; return (big * big).ToString();")]
    [InlineData("var sum = 0; foreach (Match m in Regex.Matches(\"a1b2\", \"[0-9]\", RegexOptions.None, TimeSpan.FromSeconds(1))) sum += int.Parse(m.Value, CultureInfo.InvariantCulture); return sum;")]
    [InlineData("using System.Numerics;\nstatic T Sum<T>(IEnumerable<T> xs) where T : INumber<T> => xs.Aggregate(T.Zero, (a, b) => a + b);\nreturn Sum(new[] { 1, 2, 3 });")]
    [InlineData("return System.Numerics.BitOperations.PopCount(255u) + System.Numerics.Complex.Abs(new System.Numerics.Complex(3, 4));")]
    public void Safe_shapes_next_to_the_refused_ones_stay_allowed(string source)
    {
        var result = Compiler.Compile(source);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }
    // A script's own JsonConverter<T>: the name System.Type is allowed in an override's signature and nowhere else; the
    // Type the serializer passes in, a typeof, the converter's own Type property and every member of Type stay refused.
    private const string Converter = """
        using System.Text.Json.Serialization;
        record Money(decimal Amount, string Currency);
        sealed class MoneyConverter : JsonConverter<Money>
        {
            public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            {
                BODY
                var parts = reader.GetString()!.Split(' ');
                return new Money(decimal.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]);
            }

            public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) =>
                writer.WriteStringValue(value.Amount.ToString(CultureInfo.InvariantCulture) + " " + value.Currency);
        }
        TAIL
        return 1;
        """;

    private static string WithConverter(string body, string tail = "") => Converter.Replace("BODY", body, StringComparison.Ordinal).Replace("TAIL", tail, StringComparison.Ordinal);

    [Fact]
    public void A_scripts_own_json_converter_with_a_type_parameter_compiles()
    {
        var result = Compiler.Compile(WithConverter(string.Empty, "var o = new JsonSerializerOptions(); o.Converters.Add(new MoneyConverter()); _ = JsonSerializer.Serialize(new Money(1m, \"EUR\"), o);"));

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
    }

    [Theory]
    [InlineData("_ = typeToConvert.GetMethod(\"Parse\");")]
    [InlineData("_ = typeToConvert.Assembly;")]
    [InlineData("_ = typeToConvert.InvokeMember(\"Parse\", System.Reflection.BindingFlags.InvokeMethod, null, null, null);")]
    [InlineData("_ = typeToConvert.Name;")]
    [InlineData("object o = typeToConvert; _ = o.ToString();")]
    [InlineData("var copy = typeToConvert; _ = copy;")]
    [InlineData("Func<object> keep = () => typeToConvert; _ = keep();")]
    [InlineData("if (typeToConvert is { IsValueType: true }) { }")]
    [InlineData("_ = typeToConvert == typeof(Money);")]
    [InlineData("_ = typeof(Money).GetMethods();")]
    [InlineData("_ = JsonSerializer.Deserialize(ref reader, typeToConvert, options);")]
    [InlineData("_ = options.GetConverter(typeToConvert);")]
    [InlineData("_ = CanConvert(typeToConvert);")]
    [InlineData("_ = Type!.Assembly;")]
    [InlineData("_ = this.Type;")]
    [InlineData("_ = ((JsonConverter)this).Type;")]
    public void Reflection_through_the_type_a_converter_is_handed_is_refused(string body)
    {
        AssertRefusedNaming(WithConverter(body), "Type");
    }

    [Theory]
    [InlineData("sealed class Keep { public Type? Held; }")]
    [InlineData("sealed class Keep { public Type? Held { get; set; } }")]
    [InlineData("Type? Make() => null;")]
    [InlineData("void Hold(Type t) { }")]
    [InlineData("sealed class Keep { public void Hold(Type t) { } }")]
    [InlineData("sealed class Keep { public virtual void Hold(Type t) { } }")]
    [InlineData("Func<Type, int> f = t => 1;")]
    [InlineData("var list = new List<Type>();")]
    [InlineData("Type[] none = [];")]
    [InlineData("System.Type? nothing = null;")]
    [InlineData("var r = new Utf8JsonReader(Encoding.UTF8.GetBytes(\"\\\"1 EUR\\\"\")); r.Read(); _ = new MoneyConverter().Read(ref r, null!, new JsonSerializerOptions());")]
    [InlineData("var r = new Utf8JsonReader(Encoding.UTF8.GetBytes(\"\\\"1 EUR\\\"\")); r.Read(); _ = new MoneyConverter().Read(ref r, default!, new JsonSerializerOptions());")]
    [InlineData("var r = new Utf8JsonReader(Encoding.UTF8.GetBytes(\"\\\"1 EUR\\\"\")); r.Read(); _ = new MoneyConverter().Read(ref r, default(Type)!, new JsonSerializerOptions());")]
    [InlineData("_ = new MoneyConverter().Type;")]
    [InlineData("_ = new MoneyConverter().CanConvert(null!);")]
    [InlineData("_ = JsonSerializer.Serialize(new Money(1m, \"EUR\"), typeof(Money));")]
    public void The_type_name_is_refused_outside_an_overrides_parameter_and_no_type_value_can_be_made(string tail)
    {
        AssertRefusedNaming(WithConverter(string.Empty, tail), "Type");
    }

    [Theory]
    [InlineData("sealed class Other : JsonConverter<int> { public override int Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => t.Name.Length; public override void Write(Utf8JsonWriter w, int v, JsonSerializerOptions o) { } }")]
    [InlineData("sealed class Other : JsonConverter<int> { public override bool CanConvert(Type t) => t.IsPrimitive; public override int Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => 1; public override void Write(Utf8JsonWriter w, int v, JsonSerializerOptions o) { } }")]
    [InlineData("sealed class Other : JsonConverter<int> { public override int Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) { var m = t.GetMethods(); return m.Length; } public override void Write(Utf8JsonWriter w, int v, JsonSerializerOptions o) { } }")]
    public void Another_override_that_reads_its_type_parameter_is_refused(string tail)
    {
        AssertRefusedNaming(WithConverter(string.Empty, tail), "System.Type");
    }

    // The BCL's InlineArrayN<T> (what Roslyn 5.12 lays params spans and collection expressions over) cannot be named,
    // and neither can the helpers that would reach past one.
    [Theory]
    [InlineData("var b = new System.Runtime.CompilerServices.InlineArray3<int>(); b[2] = 1; return b[2];", "InlineArray3")]
    [InlineData("System.Runtime.CompilerServices.InlineArray2<string> b = default; Span<string> s = b; return s.Length;", "InlineArray2")]
    [InlineData("Span<long> s = [1, 2, 3]; return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref s[0], 64).Length;", "MemoryMarshal")]
    [InlineData("Span<long> s = [1, 2, 3]; return System.Runtime.CompilerServices.Unsafe.Add(ref s[0], 9);", "Unsafe")]
    [InlineData("ReadOnlySpan<long> s = [1, 2, 3]; return System.Runtime.InteropServices.MemoryMarshal.GetReference(s);", "MemoryMarshal")]
    public void A_bcl_inline_array_or_a_way_past_one_is_refused_in_source(string source, string expected)
    {
        AssertRefusedNaming(source, expected);
    }
}
