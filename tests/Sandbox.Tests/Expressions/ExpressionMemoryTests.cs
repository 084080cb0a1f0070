using System.Text.Encodings.Web;
using System.Text.Json;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

/// <summary>
/// One built-in call must not take the process past the evaluator's memory limit (Jint checks memory only between
/// statements). Runs alone, so the process's peak resident memory is this test's.
/// </summary>
[Collection(nameof(ExpressionMemoryTests))]
public sealed class ExpressionMemoryTests : IDisposable
{
    private const long Limit = 16_000_000;
    private readonly ExpressionEvaluator _evaluator = new();

    public void Dispose() => _evaluator.Dispose();

    public static TheoryData<string> Hostile =>
    [
        "'x'.repeat(2 ** 28)",
        "'x'.repeat(4e6) + 'x'.repeat(4e6)",
        "'x'.padStart(2 ** 29)",
        "'x'.padEnd(2 ** 29, 'ab')",
        "Object.assign({}, 'x'.repeat(1e6))",
        "Object.keys(new String('x'.repeat(1e6))).length",
        "Object.keys({ ...'x'.repeat(1e6) }).length",
        "Math.max(...'x'.repeat(1e6))",
        "((s) => (" + string.Concat(Enumerable.Repeat("s += s, ", 30)) + "s.length))('x'.repeat(1e5))",
        "((s, t) => [" + string.Concat(Enumerable.Repeat("t = s = s + s, ", 30)) + "s.length])('x'.repeat(1e5))",
        "Array(40).fill(0).reduce((s) => s + s, 'x'.repeat(1000)).length",
        "((d) => " + string.Concat(Enumerable.Repeat("d(", 30)) + "'x'.repeat(1000)" + new string(')', 30) + ".length)((x) => x + x)",
        "Array(100000).fill(0).map(() => 'x'.repeat(1000))",
        "Array(100000).fill(0).map(() => 'x'.repeat(1000)).join('')",
        "new Array(2 ** 30)",
        "Array(1e9).fill(0)",
        "Array.prototype.fill.call({ length: 2 ** 30 }, 0)",
        "Array(100000).fill('x'.repeat(10000)).join('')",
        "Array.prototype.join.call({ length: 2 ** 30 })",
        "Array(100000).fill('x'.repeat(10000)).toLocaleString()",
        "Array.prototype.toLocaleString.call({ length: 2 ** 30 })",
        "`${Array(100000).fill('x'.repeat(10000))}`",
        "String(Array(100000).fill('x'.repeat(10000)))",
        "JSON.stringify(Array(100000).fill('x'.repeat(10000)))",
        "JSON.stringify(Array(50000).fill(Array(50000).fill(1)))",
        "JSON.stringify({ a: Array(100000).fill('x'.repeat(1000)) }, null, 10)",
        "JSON.stringify(Array(100000).fill('x'.repeat(10000)), ['a'])",
        "Array(100000).fill('x'.repeat(10000))",
        "'x'.repeat(1e6).replace(/x/g, 'y'.repeat(1000))",
        "'x'.repeat(1e6).replaceAll('x', 'y'.repeat(1000))",
        "'x'.repeat(1e6).replace(/x/g, () => 'y'.repeat(1000))",
        "'x'.repeat(1e6).replace(/x/g, '$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&')",
        "'x'.repeat(1e6).split('')",
        "'x'.repeat(1e6).match(/x/g)",
        "[...'x'.repeat(1e6)]",
        "Array.from({ length: 2 ** 30 })",
        "Object.keys('x'.repeat(1e6))",
        "BigInt.asUintN(2 ** 30, -1n)",
        "new Uint8Array(2 ** 30)",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_built_in_call_fails_safely_and_the_process_peak_memory_stays_near_its_level(string expression)
    {
        var resident = Resident();
        ResetPeak();
        var result = _evaluator.Evaluate(new ExpressionRequest { Expression = expression });
        var grew = Peak() - resident;

        Assert.True(result.Status is ExpressionStatus.Limited or ExpressionStatus.Error or ExpressionStatus.Rejected, $"{result.Status}: {result.Error}");
        // The limit, what the engine may allocate before its next check, and garbage not yet collected; one unchecked call took 4 GB.
        Assert.True(grew < (4 * Limit) + 64_000_000, $"{expression}: peak resident memory grew by {grew:N0} bytes ({result.Status}: {result.Error})");
        Assert.Equal("2", _evaluator.Evaluate(new ExpressionRequest { Expression = "1 + 1" }).Value!.ToJsonString());
    }

    [Fact]
    public void A_size_is_read_once_so_a_value_of_cannot_grow_it_after_the_check()
    {
        var result = _evaluator.Evaluate(new ExpressionRequest { Expression = "'x'.repeat({ valueOf: (() => { let n = 0; return () => (n++ ? 2 ** 28 : 1); })() })" });

        Assert.Equal("x", result.Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("'ab'.repeat(3) + 'x'.padStart(3, '-') + 'y'.padEnd(2)", "\"ababab--xy \"")]
    [InlineData("[1, [2, 3], null, 'a'].join('-') + [4, 5]", "\"1-2,3--a4,5\"")]
    [InlineData("[1, 'a', null, [2, 3]].toLocaleString()", "\"1,a,,2,3\"")]
    [InlineData("(() => { const a = [1]; a.push(a); return a.join(); })()", "\"1,\"")]
    [InlineData("JSON.stringify({ a: [1, { b: 'c' }], d: undefined }, null, 2)", "\"{\\n  \\\"a\\\": [\\n    1,\\n    {\\n      \\\"b\\\": \\\"c\\\"\\n    }\\n  ]\\n}\"")]
    [InlineData("JSON.stringify({ a: 1, b: 2, c: { a: 3, z: 4 } }, ['a', 'c'])", "\"{\\\"a\\\":1,\\\"c\\\":{\\\"a\\\":3}}\"")]
    [InlineData("JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v + 1 : v)", "\"{\\\"a\\\":2,\\\"b\\\":\\\"x\\\"}\"")]
    [InlineData("'a-b-c'.replace(/-/g, '+') + 'a.b'.replaceAll('.', '$&$&') + 'ab'.replace('b', (m) => m.toUpperCase())", "\"a+b+ca..baB\"")]
    [InlineData("[3, 1, 2].fill(0, 1) + ''", "\"3,0,0\"")]
    [InlineData("[ 'a1b22c333'.match(/\\d+/g), 'abc'.match(/x*/g), 'aXbx'.match(/x/gi), 'ab'.match(/z/g), 'ab'.match(/b/).index ]", "[[\"1\",\"22\",\"333\"],[\"\",\"\",\"\",\"\"],[\"X\",\"x\"],null,1]")]
    [InlineData("Array.from({ length: 3 }, (_, i) => i * 2)", "[0,2,4]")]
    [InlineData("[{ ...'ab', ...[3], ...{ c: 1 } }, Math.max(...[1, 5]), [...'xy'], ((...a) => a.length)(...'abc')]", "[{\"0\":3,\"1\":\"b\",\"c\":1},5,[\"x\",\"y\"],3]")]
    [InlineData("((a, b) => { let s = 'x'; s += s; [a, b] = [b, a]; for (let i = 0; i < 3; i = i + 1) s += i; return [a, b, s, (b = 5)]; })(1, 2)", "[2,1,\"xx012\",5]")]
    public void Guarded_built_ins_keep_their_meaning(string expression, string expected)
    {
        var result = _evaluator.Evaluate(new ExpressionRequest { Expression = expression });

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal(expected, result.Value!.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private static long Resident() => ReadStatus("VmRSS:") ?? Environment.WorkingSet;

    private static long Peak() => ReadStatus("VmHWM:") ?? Environment.WorkingSet;

    /// <summary>Linux resets the peak (VmHWM) to the current resident size when 5 is written to clear_refs.</summary>
    private static void ResetPeak()
    {
        if (OperatingSystem.IsLinux())
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }

    private static long? ReadStatus(string field)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
