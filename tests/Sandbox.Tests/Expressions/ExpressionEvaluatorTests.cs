using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class ExpressionEvaluatorTests : IDisposable
{
    private const string Token = "tok-7f3e9a1c5b2d";
    private const string Other = "other-4d2c8e6a9b";
    private static readonly Dictionary<string, string> Secrets = new() { ["API_TOKEN"] = Token, ["OPENAI_API_KEY"] = Other };

    private readonly ExpressionEvaluator _evaluator = new();

    public void Dispose() => _evaluator.Dispose();

    private ExpressionResult Eval(string expression, IReadOnlyCollection<string>? allow = null, bool template = false) =>
        _evaluator.Evaluate(new ExpressionRequest
        {
            Expression = expression,
            IsTemplate = template,
            Secrets = Secrets,
            AllowedSecrets = allow,
            Nodes = JsonNode.Parse("""{ "fetch": { "output": { "items": [ { "id": 1, "name": "a" }, { "id": 2, "name": "b" } ] } } }"""),
            Inputs = JsonNode.Parse("""{ "user": "ann", "n": 3 }"""),
        });

    private static void AssertFailsSafely(ExpressionResult result, ExpressionStatus status)
    {
        Assert.Equal(status, result.Status);
        Assert.Null(result.Value);
        Assert.DoesNotContain(Token, result.Error ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(Other, result.Error ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("`Bearer ${secrets.API_TOKEN}`", "\"Bearer tok-7f3e9a1c5b2d\"")]
    [InlineData("({ Authorization: `Bearer ${secrets.API_TOKEN}` })", "{\"Authorization\":\"Bearer tok-7f3e9a1c5b2d\"}")]
    [InlineData("'  Hello '.trim().toUpperCase() + '!'.repeat(2)", "\"HELLO!!\"")]
    [InlineData("JSON.parse('{\"a\":[1,2]}').a.map(x => x * 2)", "[2,4]")]
    [InlineData("JSON.stringify({ b: 1 }).length", "7")]
    [InlineData("new Date(0).toISOString()", "\"1970-01-01T00:00:00.000Z\"")]
    [InlineData("Math.max(1, 5, 3) + Math.round(2.5)", "8")]
    [InlineData("nodes.fetch.output.items.filter(i => i.id > 1).map(i => i.name)", "[\"b\"]")]
    [InlineData("inputs?.missing?.deep ?? 'default'", "\"default\"")]
    [InlineData("'order-2026-11'.match(/order-(\\d+)-(\\d+)/).slice(1)", "[\"2026\",\"11\"]")]
    [InlineData("inputs.n > 2 && inputs.user === 'ann'", "true")]
    [InlineData("[3,1,2].sort().reverse().reduce((a, b) => a + b, 0)", "6")]
    [InlineData("(() => { const x = 2; let y = 3; return x * y; })()", "6")]
    [InlineData("undefined", "null")]
    [InlineData("secrets.api_token.length", "16")]
    [InlineData("secrets?.API_TOKEN.slice(0, 3)", "\"tok\"")]
    public void Legitimate_expressions_return_plain_json(string expression, string expected)
    {
        var result = Eval(expression);

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal(expected, result.Value?.ToJsonString() ?? "null");
    }

    [Fact]
    public void A_template_string_is_evaluated_as_a_template_literal()
    {
        var result = Eval("Bearer ${secrets.API_TOKEN} for ${inputs.user} `quoted`", template: true);

        Assert.Equal("Bearer tok-7f3e9a1c5b2d for ann `quoted`", result.Value!.GetValue<string>());
    }

    [Fact]
    public void A_result_holding_a_secret_is_marked_sensitive_and_one_without_is_not()
    {
        Assert.True(Eval("`Bearer ${secrets.API_TOKEN}`").Sensitive);
        Assert.False(Eval("secrets.API_TOKEN.length").Sensitive);
    }

    [Theory]
    [InlineData("secrets.OPENAI_API_KEY", new[] { "API_TOKEN" })]
    [InlineData("secrets['OPENAI_API_KEY']", new[] { "API_TOKEN" })]
    [InlineData("secrets[['OPENAI', 'API', 'KEY'].join('_')]", null)]
    [InlineData("(s => s.OPENAI_API_KEY)(secrets)", new[] { "API_TOKEN" })]
    [InlineData("Reflect.get(secrets, 'OPENAI_API_KEY')", null)]
    public void Reading_a_secret_that_is_not_allowed_names_it_and_reveals_nothing(string expression, string[]? allow)
    {
        var result = Eval(expression + " + secrets.API_TOKEN", allow);

        AssertFailsSafely(result, ExpressionStatus.Error);
        Assert.Equal("secret OPENAI_API_KEY is not available to this block", result.Error);
    }

    [Theory]
    [InlineData("Object.keys(secrets)", "[\"API_TOKEN\"]")]
    [InlineData("Reflect.ownKeys(secrets)", "[\"API_TOKEN\"]")]
    [InlineData("(() => { const k = []; for (const n in secrets) k.push(n); return k; })()", "[\"API_TOKEN\"]")]
    [InlineData("Object.getOwnPropertyNames(secrets)", "[\"API_TOKEN\"]")]
    public void Enumeration_shows_only_the_allowed_names(string expression, string expected)
    {
        var result = Eval(expression + " || secrets.API_TOKEN");

        Assert.Equal(expected, result.Value!.ToJsonString());
    }

    /// <summary>The proxy answers undefined for the keys JSON, promises and conversions probe, and throws for any other missing name.</summary>
    [Fact]
    public void The_secrets_proxy_answers_protocol_keys_with_undefined_and_other_missing_names_with_its_error()
    {
        var result = Eval(
            "[['toJSON', 'then', 'constructor', 'toString', 'valueOf', 'toLocaleString', '__proto__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'].every((k) => secrets[k] === undefined), (() => { try { return secrets.toJson; } catch (e) { return e.name; } })(), secrets.api_token === secrets.API_TOKEN]",
            allow: ["API_TOKEN"]);

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal("[true,\"SecretAccessError\",true]", result.Value!.ToJsonString());
    }

    [Fact]
    public void Json_stringify_of_secrets_holds_only_the_allowed_values()
    {
        var result = Eval("JSON.stringify(secrets) + secrets.API_TOKEN.length");

        Assert.Contains(Token, result.Value!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(Other, result.Value!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(secrets.API_TOKEN = 'x')")]
    [InlineData("delete secrets.API_TOKEN")]
    [InlineData("Object.setPrototypeOf(secrets, {})")]
    [InlineData("Object.defineProperty(secrets, 'X', { value: 1 })")]
    [InlineData("(secrets.__proto__ = {})")]
    public void Writes_deletes_and_prototype_changes_on_secrets_are_refused(string expression)
    {
        AssertFailsSafely(Eval(expression + " && secrets.API_TOKEN"), ExpressionStatus.Error);
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')")]
    [InlineData("importNamespace('System.IO')")]
    [InlineData("eval('1+1')")]
    [InlineData("Function('return this')()")]
    [InlineData("globalThis.secrets")]
    [InlineData("process.env")]
    [InlineData("require('fs')")]
    [InlineData("setTimeout(() => 1, 0)")]
    [InlineData("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)")]
    [InlineData("new WeakRef({})")]
    [InlineData("new FinalizationRegistry(() => 1)")]
    [InlineData("new ShadowRealm()")]
    [InlineData("import('fs')")]
    [InlineData("this.constructor")]
    public void Host_access_string_compilation_and_missing_globals_are_refused_before_running(string expression)
    {
        var result = Eval(expression);

        Assert.True(result.Status is ExpressionStatus.Rejected or ExpressionStatus.Error, $"{result.Status}: {result.Error}");
        Assert.Null(result.Value);
    }

    [Theory]
    [InlineData("(() => {}).constructor('return 1')()")]
    [InlineData("({}).constructor.constructor('return this')()")]
    [InlineData("Object.getPrototypeOf(function* () {}).constructor('yield 1')")]
    [InlineData("Object.getPrototypeOf(async function () {}).constructor('return 1')")]
    [InlineData("Object.getPrototypeOf(async function* () {}).constructor('yield 1')")]
    [InlineData("[].map.constructor('return globalThis')()")]
    [InlineData("(1).constructor.constructor('return 1')()")]
    [InlineData("(() => { try { secrets.NOPE; } catch (e) { return e.constructor.constructor('return globalThis')(); } })()")]
    [InlineData("(() => { try { secrets.NOPE; } catch (e) { return Object.getPrototypeOf(e.constructor).constructor('return globalThis')(); } })()")]
    public void Code_generation_through_constructors_is_refused(string expression)
    {
        var result = Eval(expression);

        AssertFailsSafely(result, ExpressionStatus.Error);
    }

    [Fact]
    public void Type_and_getType_give_no_clr_access()
    {
        var result = Eval("secrets.API_TOKEN.GetType()");

        AssertFailsSafely(result, ExpressionStatus.Error);
    }

    [Theory]
    [InlineData("Object.prototype.polluted = 1", "({}).polluted", "null")]
    [InlineData("Array.prototype.map = () => 'x'", "[1].map(x => x)", "[1]")]
    [InlineData("Math.x = secrets.API_TOKEN", "Math.x", "null")]
    [InlineData("JSON.parse = () => secrets.API_TOKEN", "JSON.parse('1')", "1")]
    [InlineData("String.prototype.trim = function () { return 'p'; }", "' a '.trim()", "\"a\"")]
    [InlineData("(Object.getPrototypeOf(nodes).x = 1)", "({}).x", "null")]
    [InlineData("(Object.getPrototypeOf(Object.getPrototypeOf(secrets)) || Object.prototype).y = 2", "({}).y", "null")]
    public void Pollution_is_refused_and_invisible_to_the_next_evaluation(string attack, string probe, string expected)
    {
        var first = Eval(attack);
        var second = Eval(probe);

        Assert.Equal(ExpressionStatus.Error, first.Status);
        Assert.Equal(ExpressionStatus.Ok, second.Status);
        Assert.Equal(expected, second.Value?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Asking_for_a_disallowed_name_with_in_reveals_nothing()
    {
        Assert.Equal("false", Eval("'OPENAI_API_KEY' in secrets", ["API_TOKEN"]).Value!.ToJsonString());
    }

    [Fact]
    public void Regexp_legacy_statics_do_not_carry_a_secret_to_the_next_evaluation()
    {
        Eval("/(.+)/.exec(secrets.API_TOKEN) && 1");
        var probe = Eval("typeof RegExp.$1 === 'string' ? RegExp.$1 : 'none'");

        Assert.DoesNotContain(Token, probe.Value?.ToJsonString() ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Nodes_and_inputs_are_read_only()
    {
        AssertFailsSafely(Eval("(inputs.user = 'mallory')"), ExpressionStatus.Error);
        AssertFailsSafely(Eval("nodes.fetch.output.items.push(1)"), ExpressionStatus.Error);
    }

    [Theory]
    [InlineData("(() => { while (true) {} })()", "limit exceeded: ")]
    [InlineData("(() => { for (;;) { try { while (true) {} } catch (e) {} } })()", "limit exceeded: ")]
    [InlineData("'x'.repeat(1 << 28)", "")]
    [InlineData("new Array(1e9).fill(0)", "")]
    [InlineData("(() => { const a = []; while (true) a.push('xxxxxxxxxxxxxxxx'); })()", "limit exceeded: ")]
    [InlineData("(function f(n) { return f(n + 1); })(0)", "limit exceeded: ")]
    [InlineData("(() => { const a = n => b(n); const b = n => a(n); return a(1); })()", "limit exceeded: ")]
    [InlineData("(() => { const o = { get x() { return this.x; } }; return o.x; })()", "limit exceeded: ")]
    [InlineData("(() => { const p = new Proxy({}, { get: (t, k, r) => r[k] }); return p.x; })()", "limit exceeded: ")]
    [InlineData("/^(a+)+$/.test('a'.repeat(40) + '!')", "limit exceeded: ")]
    [InlineData("JSON.parse('['.repeat(1000) + ']'.repeat(1000))", "")]
    public void Runaway_expressions_hit_a_limit_and_the_next_evaluation_works(string expression, string expectedPrefix)
    {
        var result = Eval(expression);

        Assert.True(result.Status is ExpressionStatus.Limited or ExpressionStatus.Error, $"{result.Status}: {result.Error}");
        Assert.StartsWith(expectedPrefix, result.Error, StringComparison.Ordinal);
        Assert.Equal("2", Eval("1 + 1").Value!.ToJsonString());
    }

    [Fact]
    public void Long_and_deeply_nested_sources_are_refused_before_running()
    {
        var tooLong = Eval("1 + " + new string('1', 20_000));
        var tooDeep = Eval(new string('[', 500) + new string(']', 500));

        Assert.Equal(ExpressionStatus.Limited, tooLong.Status);
        Assert.Contains("source length", tooLong.Error, StringComparison.Ordinal);
        Assert.Equal(ExpressionStatus.Limited, tooDeep.Status);
    }

    [Theory]
    [InlineData("null[secrets.API_TOKEN]")]
    [InlineData("BigInt(secrets.API_TOKEN)")]
    [InlineData("(() => { throw secrets.API_TOKEN; })()")]
    [InlineData("(() => { throw new Error('leak ' + secrets.API_TOKEN); })()")]
    [InlineData("({ get x() { throw new Error(secrets.API_TOKEN); } }).x")]
    [InlineData("secrets.API_TOKEN()")]
    [InlineData("new URL(secrets.API_TOKEN)")]
    [InlineData("decodeURIComponent('%' + secrets.API_TOKEN)")]
    [InlineData("JSON.parse(secrets.API_TOKEN)")]
    public void Secrets_smuggled_through_error_messages_never_reach_the_caller(string expression)
    {
        var result = Eval(expression);

        Assert.True(result.Status is ExpressionStatus.Error or ExpressionStatus.Rejected, $"{result.Status}");
        AssertFailsSafely(result, result.Status);
    }

    [Fact]
    public void An_expression_sees_only_the_node_outputs_it_names()
    {
        var named = Eval("Object.keys(nodes).length + (nodes.fetch ? 1 : 0)");
        var statically = ExpressionAnalysis.Analyze("nodes.fetch.output");
        var dynamically = ExpressionAnalysis.Analyze("nodes[inputs.user]");

        Assert.Equal("2", named.Value!.ToJsonString());
        Assert.Equal(["fetch"], statically.Nodes);
        Assert.False(statically.ReadsNodesDynamically);
        Assert.True(dynamically.ReadsNodesDynamically);
        Assert.Equal("0", Eval("Object.keys(nodes).length * 0 + Object.keys(secrets).length").Value!.ToJsonString());
    }

    [Fact]
    public void Syntax_errors_are_rejected_with_their_position()
    {
        var result = Eval("secrets.API_TOKEN +");

        Assert.Equal(ExpressionStatus.Rejected, result.Status);
        Assert.Contains("syntax error at line 1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_references_are_found_in_every_form()
    {
        var names = ExpressionEvaluator.FindSecretReferences("secrets.A + secrets['b'] + secrets?.C + nodes.x.output");

        Assert.Equal(["A", "B", "C"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Limits_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionLimits { MaxStatements = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionLimits { Timeout = TimeSpan.Zero }.Validate());
    }

    [Fact]
    public void An_evaluation_during_a_background_warm_up_waits_for_that_engine_instead_of_building_a_second()
    {
        using var evaluator = new ExpressionEvaluator(prewarm: false);
        Assert.Equal(0, evaluator.PooledEngines);

        evaluator.PrewarmInBackground();
        var result = evaluator.Evaluate(new ExpressionRequest { Expression = "`Bearer ${secrets.TOKEN}`", Secrets = new Dictionary<string, string> { ["TOKEN"] = "t-1" } });

        Assert.Equal("Bearer t-1", result.Value!.GetValue<string>());
        Assert.Equal(1, evaluator.PooledEngines);
    }

    [Theory]
    [InlineData("(secrets.API_TOKEN = 'x')")]
    [InlineData("delete secrets.API_TOKEN")]
    [InlineData("(secrets['API_TOKEN'] = 'x', secrets.API_TOKEN)")]
    public void Writes_to_secrets_read_only_by_name_are_refused_too(string expression)
    {
        // Such expressions get a frozen object instead of the proxy (every name they read is available).
        var result = Eval(expression);

        AssertFailsSafely(result, ExpressionStatus.Error);
        Assert.Equal(Token, Eval("secrets.API_TOKEN").Value!.GetValue<string>());
    }
}
