using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

/// <summary>
/// A built-in that loops over an array-like's <c>length</c> (or allocates for it) inside one call: the length is
/// checked before the built-in runs, so the call ends at once at the memory limit, whatever the time limit.
/// </summary>
public sealed class BuiltInGuardsTests : IDisposable
{
    private readonly ExpressionEvaluator _evaluator = new();

    public void Dispose() => _evaluator.Dispose();

    public static TheoryData<string> HugeArrayLikes =>
    [
        "Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)",
        "Array.prototype.indexOf.call({ length: 2 ** 53 - 1, get 5() { return 1; } }, 2, 2 ** 52)",
        "Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)",
        "Array.prototype.includes.call({ length: 2 ** 53 - 1 }, 1)",
        "Array.prototype.join.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.toString.call({ length: 2 ** 53 - 1, join: Array.prototype.join })",
        "Array.prototype.reverse.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.sort.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.sort.call({ length: 1e9, 0: 2, 5: 1 })",
        "Array.prototype.toSorted.call({ length: 1e9 })",
        "Array.prototype.toReversed.call({ length: 1e9 })",
        "Array.prototype.toSpliced.call({ length: 1e9 })",
        "Array.prototype.with.call({ length: 1e9 }, 0, 1)",
        "Array.prototype.slice.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.splice.call({ length: 2 ** 53 - 1 }, 0, 1)",
        "Array.prototype.shift.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.unshift.call({ length: 2 ** 53 - 2 }, 1)",
        "Array.prototype.flat.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.map.call({ length: 1e9 }, (x) => 0)",
        "Array.prototype.forEach.call({ length: 2 ** 53 - 1 }, (x) => 0)",
        "Array.prototype.reduce.call({ length: 2 ** 53 - 1 }, (a, x) => 0, 0)",
        "Array.prototype.findLastIndex.call({ length: 2 ** 53 - 1 }, (x) => false)",
        "Array.prototype.concat.call([], { length: 1e9, [Symbol.isConcatSpreadable]: true })",
        "Array.prototype.indexOf.call(Object.create({ length: 2 ** 53 - 1 }), 1)",
        "Array.prototype.indexOf.call({ length: '9007199254740991' }, 1)",
        "Array.from({ length: 1e9 })",
        "Array.from({ length: 2 ** 32 })",
        "Math.max.apply(null, { length: 1e8 })",
        "Reflect.apply(Math.max, null, { length: 1e8 })",
        "Reflect.construct(Array, { length: 1e8 })",
        "(() => { const a = [1]; a.length = 2 ** 32 - 1; return a.sort().length; })()",
        "(() => { const a = [1]; a.length = 2 ** 32 - 1; return a.toReversed().length; })()",
        "(() => { const a = []; a.length = 2 ** 32 - 1; return a.lastIndexOf(1); })()",
        "(() => { const a = []; a.length = 2 ** 32 - 1; return Math.max.apply(null, a); })()",
    ];

    [Theory]
    [MemberData(nameof(HugeArrayLikes))]
    public void A_built_in_over_a_huge_array_like_ends_at_the_limit_before_it_loops_and_the_evaluator_stays_usable(string attack)
    {
        var result = Evaluate(attack);

        Assert.Equal(ExpressionStatus.Limited, result.Status);
        Assert.Equal("limit exceeded: memory", result.Error);
        var next = Evaluate("[1, 2, 3].map((x) => x * 2).indexOf(4)");
        Assert.Equal(ExpressionStatus.Ok, next.Status);
        Assert.Equal(1, next.Value!.GetValue<int>());
    }

    [Theory]
    [InlineData("Array.prototype.indexOf.call({ get length() { return 1; } }, 1)", "Array.prototype.indexOf needs an array or an array-like whose length is a number")]
    [InlineData("Array.prototype.map.call({ length: { valueOf() { return 1; } } }, (x) => x)", "Array.prototype.map needs an array or an array-like whose length is a number")]
    [InlineData("Array.prototype.includes.call(new Proxy({ length: 1 }, {}), 1)", "Array.prototype.includes does not take a proxy")]
    [InlineData("Array.from(new Proxy({ length: 1 }, {}))", "Array.from does not take a proxy")]
    public void A_length_that_only_script_code_could_tell_is_refused_so_it_cannot_answer_differently_to_the_built_in(string attack, string message)
    {
        var result = Evaluate(attack);

        Assert.Equal(ExpressionStatus.Error, result.Status);
        Assert.StartsWith("TypeError", result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Array.prototype.map.call({ length: 2, 0: 'a', 1: 'b' }, (x) => x + x)", "[\"aa\",\"bb\"]")]
    [InlineData("Array.prototype.slice.call('abc')", "[\"a\",\"b\",\"c\"]")]
    [InlineData("Array.from({ length: 3 }, (_, i) => i * 2)", "[0,2,4]")]
    [InlineData("Array.from(new Set([1, 2]))", "[1,2]")]
    [InlineData("[1, 2].concat([3], 4, { length: 1, 0: 5, [Symbol.isConcatSpreadable]: true })", "[1,2,3,4,5]")]
    [InlineData("Math.max.apply(null, [1, 5, 2]) + Reflect.apply(Math.min, null, [3, 1])", "6")]
    [InlineData("Reflect.construct(Array, [3]).length", "3")]
    [InlineData("Array.prototype.indexOf.name + Array.prototype.indexOf.length + Array.prototype.concat.length", "\"indexOf11\"")]
    public void Array_likes_of_a_reasonable_length_work_as_in_JavaScript(string expression, string json)
    {
        var result = Evaluate(expression);

        Assert.Equal(ExpressionStatus.Ok, result.Status);
        Assert.Equal(json, result.Value!.ToJsonString());
    }

    private ExpressionResult Evaluate(string expression) =>
        _evaluator.Evaluate(new ExpressionRequest { Expression = expression });
}
