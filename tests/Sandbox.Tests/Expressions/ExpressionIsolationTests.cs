using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

/// <summary>The attacks of issue 12, each performed against one pooled evaluator: nothing of one evaluation reaches the next.</summary>
public sealed class ExpressionIsolationTests : IDisposable
{
    private const string Token = "tok-7f3e9a1c5b2d";
    private const string Reversed = "d2b5c1a9e3f7-kot";
    private static readonly Dictionary<string, string> Secrets = new() { ["API_TOKEN"] = Token };

    private readonly ExpressionEvaluator _evaluator = new();

    public void Dispose() => _evaluator.Dispose();

    private ExpressionResult Eval(string expression, bool template = false, IReadOnlyDictionary<string, string>? secrets = null) =>
        _evaluator.Evaluate(new ExpressionRequest { Expression = expression, IsTemplate = template, Secrets = secrets ?? Secrets });

    private static void AssertLeaksNothing(ExpressionResult result)
    {
        var text = (result.Error ?? string.Empty) + (result.Value?.ToJsonString() ?? string.Empty);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Reversed, text, StringComparison.Ordinal);
    }

    public static TheoryData<string> InstanceOnlyPrototypes =>
    [
        "Object.getPrototypeOf([].values())",
        "Object.getPrototypeOf(''[Symbol.iterator]())",
        "Object.getPrototypeOf(new Map().entries())",
        "Object.getPrototypeOf(new Set().values())",
        "Object.getPrototypeOf('a'.matchAll(/a/g))",
        "Object.getPrototypeOf(Object.getPrototypeOf([].values()))",
        "Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()))",
        "Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()))",
        "Object.getPrototypeOf([].values().map((x) => x))",
        "Object.getPrototypeOf((async () => 1)())",
        "Object.getPrototypeOf((function () { return arguments; })())",
    ];

    [Theory]
    [MemberData(nameof(InstanceOnlyPrototypes))]
    public void A_prototype_reachable_only_through_an_instance_cannot_be_patched_or_used_to_park_a_value(string prototype)
    {
        var patch = Eval($"(P => {{ P.next = function () {{ return {{ done: true }}; }}; return 1; }})({prototype})");
        var park = Eval($"(P => {{ P.parked = secrets.API_TOKEN.split('').reverse().join(''); return 1; }})({prototype})");
        var define = Eval($"(P => Object.defineProperty(P, 'parked', {{ value: 1 }}) && 1)({prototype})");

        Assert.Equal(ExpressionStatus.Error, patch.Status);
        Assert.Equal(ExpressionStatus.Error, park.Status);
        Assert.Equal(ExpressionStatus.Error, define.Status);
        var later = Eval($"[[...[1, 2].values()], [...new Map([[3, 4]]).entries()], [...'ab'], {prototype}.parked === undefined]", secrets: new Dictionary<string, string>());
        Assert.Equal("[[1,2],[[3,4]],[\"a\",\"b\"],true]", later.Value!.ToJsonString());
    }

    [Fact]
    public void Replacing_the_array_iterator_next_does_not_run_inside_a_later_evaluation()
    {
        var attack = Eval("(Object.getPrototypeOf([].values()).next = () => ({ done: false, value: secrets.API_TOKEN }), 1)");
        var innocent = Eval("(() => { const out = []; for (const [i, v] of ['a', 'b'].entries()) out.push(i + v); return out; })()", secrets: new Dictionary<string, string>());

        Assert.Equal(ExpressionStatus.Error, attack.Status);
        Assert.Equal("[\"0a\",\"1b\"]", innocent.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("(Promise.resolve().then(() => { for (;;) {} }), 1)")]
    [InlineData("((async () => { await null; for (;;) {} })(), 1)")]
    [InlineData("((function again() { Promise.resolve().then(again); })(), 1)")]
    [InlineData("(Promise.resolve().then(() => { for (;;) {} }), null.x)")]
    [InlineData("({ get a() { Promise.resolve().then(() => { for (;;) {} }); return 1; } })")]
    public void A_job_queued_by_one_evaluation_runs_inside_it_and_never_in_the_next(string attack)
    {
        var first = Eval(attack);
        var next = Eval("1 + 1");

        Assert.Equal(ExpressionStatus.Limited, first.Status);
        Assert.Equal(ExpressionStatus.Ok, next.Status);
        Assert.Equal("2", next.Value!.ToJsonString());
    }

    [Fact]
    public void A_job_that_finishes_within_its_evaluation_leaves_nothing_behind()
    {
        var first = Eval("(Promise.resolve().then(() => { let n = 0; for (let i = 0; i < 99000; i++) n++; }), 1)");
        var next = Eval("(() => { let n = 0; for (let i = 0; i < 90000; i++) n++; return n; })()");

        Assert.Equal(ExpressionStatus.Ok, first.Status);
        Assert.Equal("90000", next.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("(() => { throw { name: 'SecretAccessError', message: secrets.API_TOKEN.split('').reverse().join('') }; })()")]
    [InlineData("(() => { class SecretAccessError extends Error {} throw new SecretAccessError(secrets.API_TOKEN.split('').reverse().join('')); })()")]
    [InlineData("(() => { const e = new Error(secrets.API_TOKEN.split('').reverse().join('')); e.name = 'SecretAccessError'; throw e; })()")]
    [InlineData("(() => { try { secrets.NOPE; } catch (e) { throw new e.constructor(secrets.API_TOKEN.split('').reverse().join('')); } })()")]
    [InlineData("(() => { try { secrets.NOPE; } catch (e) { e.message = secrets.API_TOKEN.split('').reverse().join(''); throw e; } })()")]
    [InlineData("secrets[secrets.API_TOKEN.split('').reverse().join('')]")]
    [InlineData("(() => { throw Object.assign(new TypeError('x'), { name: 'SecretAccessError', constructor: 1, message: secrets.API_TOKEN.split('').reverse().join('') }); })()")]
    public void A_spoofed_secret_access_error_keeps_only_its_kind_and_position(string attack)
    {
        var result = Eval(attack);

        Assert.Equal(ExpressionStatus.Error, result.Status);
        AssertLeaksNothing(result);
    }

    /// <summary>
    /// The proxy's own error is built by the host (no script makes its class): a script that catches one sees an Error
    /// named SecretAccessError whose class is Error's child, and it can neither make another nor change the class.
    /// </summary>
    [Theory]
    [InlineData("[e instanceof Error, e instanceof e.constructor, Object.getPrototypeOf(e.constructor) === Error, e.constructor.prototype === Object.getPrototypeOf(e)]", "[true,true,true,true]")]
    [InlineData("[e.name, e.constructor.name, e.message, String(e)]", "[\"SecretAccessError\",\"SecretAccessError\",\"secret is not available to this block\",\"SecretAccessError: secret is not available to this block\"]")]
    [InlineData("[() => e.constructor('x'), () => new e.constructor('x'), () => Reflect.construct(Error, ['x'], e.constructor)].map((f) => { try { f(); return 'made'; } catch (t) { return t instanceof TypeError; } })", "[true,true,true]")]
    [InlineData("[() => { e.constructor.prototype.name = 'x'; }, () => { e.constructor.foo = 1; }, () => { Object.setPrototypeOf(e.constructor, null); }, () => { Object.getPrototypeOf(e).message = 'x'; }].map((f) => { try { f(); return 'changed'; } catch (t) { return t instanceof TypeError; } })", "[true,true,true,true]")]
    [InlineData("[Object.isFrozen(e.constructor), Object.isFrozen(Object.getPrototypeOf(e)), Object.isExtensible(e), Object.getOwnPropertyNames(e.constructor).sort().join()]", "[true,true,true,\"length,name,prototype\"]")]
    public void The_proxy_own_error_is_an_error_a_script_can_read_but_not_make_or_change(string probe, string expected)
    {
        var result = Eval($"(() => {{ try {{ secrets.NOPE; }} catch (e) {{ return {probe}; }} }})()");

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal(expected, result.Value!.ToJsonString());
    }

    [Fact]
    public void The_proxy_own_error_names_a_secret_only_when_the_name_is_written_in_the_expression()
    {
        var written = Eval("secrets.API_TOKEN + secrets.NOPE");
        var computed = Eval("secrets.API_TOKEN + secrets[secrets.API_TOKEN.slice(0, 3)]");

        Assert.Equal("secret NOPE is not available to this block", written.Error);
        Assert.Equal("a secret whose name is not written in the expression is not available to this block", computed.Error);
    }

    [Fact]
    public void An_error_with_a_message_getter_is_read_inside_the_evaluation_limits_and_never_by_the_host()
    {
        var looping = Eval("(() => { throw Object.defineProperty(new TypeError(), 'message', { get() { for (;;) {} } }); })()", secrets: new Dictionary<string, string>());
        var leaking = Eval("(() => { throw Object.defineProperty(new TypeError(), 'message', { get: () => secrets.API_TOKEN.split('').reverse().join('') }); })()");

        Assert.Equal(ExpressionStatus.Limited, looping.Status);
        Assert.Equal(ExpressionStatus.Error, leaking.Status);
        AssertLeaksNothing(leaking);
        Assert.Equal("2", Eval("1 + 1").Value!.ToJsonString());
    }

    [Fact]
    public void The_kind_of_an_error_comes_from_its_intrinsic_not_from_its_name()
    {
        var renamed = Eval("(() => { throw Object.defineProperty(new RangeError('r'), 'name', { value: 'SyntaxError' }); })()", secrets: new Dictionary<string, string>());
        var plain = Eval("(() => { throw { name: 'TypeError', message: 'm' }; })()", secrets: new Dictionary<string, string>());

        Assert.StartsWith("RangeError", renamed.Error, StringComparison.Ordinal);
        Assert.StartsWith("thrown value", plain.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("((Iterator) => 0)(0) || typeof Iterator", "Iterator")]
    [InlineData("(() => { const process = 1; return process; })() + process", "process")]
    [InlineData("(() => { try { return 1; } catch (require) { return 2; } })() && require", "require")]
    [InlineData("(function Temporal() { return 1; })() && Temporal", "Temporal")]
    [InlineData("(() => { { let WeakRef = 1; } return WeakRef; })()", "WeakRef")]
    [InlineData("(class Function {}) && Function", "Function")]
    public void A_binding_shadows_a_global_only_inside_its_own_scope(string expression, string global)
    {
        var result = Eval(expression);

        Assert.Equal(ExpressionStatus.Rejected, result.Status);
        Assert.Contains($"unknown global '{global}'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("((Math) => Math + 1)(1)", "2")]
    [InlineData("(() => { var x = 1; { let y = x + 1; x = y; } return x; })()", "2")]
    [InlineData("(function f(n) { return n ? f(n - 1) + arguments.length : 0; })(2)", "2")]
    [InlineData("(() => { try { throw 1; } catch (e) { return e; } })()", "1")]
    [InlineData("(() => { function inner() { return 3; } return inner(); })()", "3")]
    [InlineData("((secrets) => secrets.length)([1, 2])", "2")]
    public void Bindings_are_resolved_in_their_own_scopes(string expression, string expected)
    {
        var result = Eval(expression);

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal(expected, result.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("((__memoryCheck__) => 1)(0)")]
    [InlineData("((s) => { const __memoryCheck__ = (x) => x; return s = 1; })(0)")]
    public void The_name_of_the_host_memory_check_cannot_be_bound_or_read(string expression)
    {
        var result = Eval(expression);

        Assert.Equal(ExpressionStatus.Rejected, result.Status);
        Assert.Contains("'__memoryCheck__' is reserved", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_named_secrets_is_not_a_secret_read()
    {
        Assert.Empty(ExpressionAnalysis.Analyze("((secrets) => secrets.API_TOKEN)({})").Secrets);
    }

    [Theory]
    [InlineData("() => secrets.API_TOKEN", "function")]
    [InlineData("Symbol('x')", "symbol")]
    [InlineData("Promise.resolve(secrets.API_TOKEN)", "promise")]
    [InlineData("[secrets.API_TOKEN].values()", "iterator")]
    [InlineData("(function* () { yield secrets.API_TOKEN; })()", "generator")]
    [InlineData("(async function* () { yield secrets.API_TOKEN; })()", "async generator")]
    [InlineData("Object.create(Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()))))", "async iterator")]
    [InlineData("new Map([['k', secrets.API_TOKEN]])", "map")]
    [InlineData("new Set([secrets.API_TOKEN])", "set")]
    [InlineData("new WeakMap()", "weakmap")]
    [InlineData("new WeakSet()", "weakset")]
    [InlineData("/x/g", "regexp")]
    [InlineData("new Error('x')", "error")]
    [InlineData("({ ok: 1, f() { return secrets.API_TOKEN; } })", "function")]
    [InlineData("[1, Symbol.iterator]", "symbol")]
    public void A_result_that_is_not_data_is_an_error_that_says_what_it_is(string expression, string kind)
    {
        var result = Eval(expression);

        Assert.Equal(ExpressionStatus.Error, result.Status);
        Assert.Equal($"result is not data: {kind}", result.Error);
        Assert.Null(result.Value);
    }

    [Fact]
    public void Undefined_is_reported_as_undefined_and_null_as_null()
    {
        var undefinedResult = Eval("undefined");
        var nullResult = Eval("null");

        Assert.Equal(ExpressionStatus.Ok, undefinedResult.Status);
        Assert.True(undefinedResult.IsUndefined);
        Assert.Null(undefinedResult.Value);
        Assert.False(nullResult.IsUndefined);
    }

    [Fact]
    public void Data_with_dates_and_nested_values_is_still_data()
    {
        var result = Eval("({ when: new Date(0), list: [1, 'a', null, true, { x: undefined }] })");

        Assert.Equal("{\"when\":\"1970-01-01T00:00:00.000Z\",\"list\":[1,\"a\",null,true,{}]}", result.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("(", "syntax error at line 1, column 2")]
    [InlineData("1 +\n  nope", "unknown global 'nope' at line 2, column 3")]
    [InlineData("[1,\n 2,,\n 3", "syntax error at line 3, column 3")]
    public void Analysis_errors_are_placed_in_the_expression_as_typed(string expression, string expected)
    {
        var result = Eval(expression);

        Assert.Equal(ExpressionStatus.Rejected, result.Status);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("')'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("JSON.parse(\"{\")", "SyntaxError at line 1, column 1")]
    [InlineData("1 +\n  null.x", "TypeError at line 2, column 8")]
    [InlineData("[1].map((x) =>\n    x.y.z)", "TypeError at line 2, column 9")]
    [InlineData("[1].map((x) =>\n    JSON.parse('{'))", "SyntaxError at line 2, column 5")]
    [InlineData("((s) => (s = 1, s += 2,\n  s.x.y))(0)", "TypeError at line 2, column 7")]
    public void Runtime_errors_are_placed_in_the_expression_as_typed(string expression, string expected)
    {
        var result = Eval(expression, secrets: new Dictionary<string, string>());

        Assert.Equal(ExpressionStatus.Error, result.Status);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void With_secrets_in_play_a_position_comes_only_from_the_engine_never_from_a_stack_text_a_script_can_set()
    {
        var result = Eval("JSON.parse('{') + secrets.API_TOKEN");

        Assert.Equal("SyntaxError", result.Error);
    }

    [Theory]
    [InlineData("a ${nope} b", "unknown global 'nope' at line 1, column 5")]
    [InlineData("x `q` \\\\ ${nope}", "unknown global 'nope' at line 1, column 12")]
    [InlineData("line one\nline ${null.x} two", "TypeError at line 2, column 13")]
    [InlineData("a\\b `c` ${JSON.parse('{')}", "SyntaxError at line 1, column 11")]
    public void Template_positions_are_in_the_template_as_typed(string template, string expected)
    {
        var result = Eval(template, template: true, secrets: new Dictionary<string, string>());

        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_wide_registries_and_generators_are_out_of_reach()
    {
        // Math.random draws from the OS generator, so how far one evaluation advanced it says nothing; Symbol.for's registry is gone.
        Assert.Equal("true", Eval("Math.random() !== Math.random() && Math.random() < 1").Value!.ToJsonString());
        Assert.Equal("\"undefined\"", Eval("typeof Symbol.for").Value!.ToJsonString());
    }

    [Fact]
    public void Bigint_and_binary_data_are_not_available()
    {
        Assert.Equal(ExpressionStatus.Rejected, Eval("BigInt.asUintN(2 ** 30, -1n)").Status);
        Assert.Equal(ExpressionStatus.Rejected, Eval("1n << (1n << 30n)").Status);
        Assert.Equal(ExpressionStatus.Rejected, Eval("new Uint8Array(2 ** 30)").Status);
        Assert.Equal(ExpressionStatus.Rejected, Eval("new ArrayBuffer(2 ** 30)").Status);
    }

    [Theory]
    [InlineData("(() => { const o = { a: 1 }; o.toString = () => 'custom'; o.valueOf = () => 41; return [String(o), o + 1, Object.keys(o)]; })()", "[\"custom\",42,[\"a\",\"toString\",\"valueOf\"]]")]
    [InlineData("(() => { const e = new TypeError('bad input'); e.name = 'ValidationError'; return String(e); })()", "\"ValidationError: bad input\"")]
    [InlineData("(() => { class Point { constructor(x) { this.x = x; } } const p = new Point(2); p.toString = function () { return `P(${this.x})`; }; return `${p}`; })()", "\"P(2)\"")]
    [InlineData("(() => { const list = [1, 2]; list.join = () => 'joined'; list.push = () => 0; list.push(3); return `${list}`; })()", "\"joined\"")]
    [InlineData("(() => { const f = (x) => x; f.call = () => 'mine'; return f.call(null, 1); })()", "\"mine\"")]
    [InlineData("(() => { const o = Object.create({ toString() { return 'base'; } }); o.toString = () => 'own'; return [String(o), Object.getPrototypeOf(o).toString()]; })()", "[\"own\",\"base\"]")]
    public void Assigning_a_name_a_frozen_prototype_holds_shadows_it_on_the_object(string expression, string json)
    {
        var result = Eval(expression, secrets: new Dictionary<string, string>());

        Assert.Equal(ExpressionStatus.Ok, result.Status);
        Assert.Equal(json, result.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("(() => { Object.prototype.toString = () => 'planted'; })()")]
    [InlineData("Reflect.set(Object.prototype, 'toString', () => 'planted') && 1")]
    [InlineData("Object.getOwnPropertyDescriptor(Object.prototype, 'toString').set.call(Object.prototype, () => 'planted')")]
    [InlineData("Object.defineProperty(Object.prototype, 'toString', { value: () => 'planted' })")]
    [InlineData("(() => { Object.getOwnPropertyDescriptor(Object.prototype, 'toString').get.planted = 1; })()")]
    [InlineData("(() => { Object.getOwnPropertyDescriptor(Object.prototype, 'toString').set.call(Object.freeze({}), 1); })()")]
    [InlineData("(() => { Object.freeze(Object.prototype).valueOf = () => 'planted'; })()")]
    [InlineData("(() => { const o = Object.freeze({}); o.toString = () => 'planted'; return String(o); })()")]
    [InlineData("(() => { Error.prototype.name = 'planted'; })()")]
    [InlineData("(() => { const proto = Object.getPrototypeOf([]); proto.join = () => 'planted'; })()")]
    public void A_shadowing_accessor_never_changes_the_prototype_or_a_frozen_object(string attack)
    {
        var result = Eval(attack, secrets: new Dictionary<string, string>());

        Assert.Equal(ExpressionStatus.Error, result.Status);
        Assert.StartsWith("TypeError", result.Error, StringComparison.Ordinal);
        var next = Eval("[String({}), `${[1, 2]}`, String(new Error('m')), ({}).hasOwnProperty('toString'), Object.isFrozen(Object.prototype), Object.isFrozen(Object.getOwnPropertyDescriptor(Object.prototype, 'toString').set)]", secrets: new Dictionary<string, string>());
        Assert.Equal("[\"[object Object]\",\"1,2\",\"Error: m\",false,true,true]", next.Value!.ToJsonString());
    }
}
