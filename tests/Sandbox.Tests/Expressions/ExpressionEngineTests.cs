using System.Reflection;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class ExpressionEngineTests
{
    /// <summary>
    /// The CLI's <c>eval</c> starts the bootstrap's parse on the thread pool before it builds its engine: engines built
    /// meanwhile, on several threads at once, share that one parse and come out as hardened as ever (a frozen
    /// prototype refuses an assignment, code generation is gone).
    /// </summary>
    [Fact]
    public void Engines_built_while_the_bootstrap_parses_in_the_background_are_hardened()
    {
        ExpressionEvaluator.PrepareInBackground();
        var results = new ExpressionResult[4];
        Parallel.For(0, results.Length, i =>
        {
            using var evaluator = new ExpressionEvaluator(prewarm: false);
            results[i] = evaluator.Evaluate(new ExpressionRequest
            {
                Expression = "[(() => { try { Array.prototype.push = null; return 'patched'; } catch (e) { return 'refused'; } })(), Object.isFrozen(Object.prototype), (() => { try { return [].constructor.constructor('return 1')(); } catch (e) { return 'no code generation'; } })()]",
            });
        });

        Assert.All(results, r => Assert.Equal("[\"refused\",true,\"no code generation\"]", r.Value?.ToJsonString()));
    }

    /// <summary>
    /// Walks the realm after bootstrap on its own terms: from the global object, from every object in the engine's table
    /// of intrinsics (found by reflection, so an intrinsic a new Jint version adds is included), and from the
    /// prototypes of instances a script can make; through values, accessor functions and prototypes.
    /// </summary>
    [Fact]
    public void Every_object_reachable_from_the_realm_is_frozen_after_bootstrap()
    {
        using var engine = new ExpressionEngine(new ExpressionLimits());
        var jint = engine.Jint;
        var seeds = new List<(JsValue Value, string Path)> { (jint.Global, "globalThis") };
        seeds.AddRange(Intrinsics(jint.Intrinsics));
        // Instances whose prototypes are shared intrinsics (a generator's own prototype is per function: its parent is shared).
        var samples = (JsArray)jint.Evaluate("""
            [[].values(), ''[Symbol.iterator](), new Map().entries(), new Set().values(), 'a'.matchAll(/a/g),
             Object.create(Object.getPrototypeOf(function* () {}).prototype), Object.create(Object.getPrototypeOf(async function* () {}).prototype), (async () => 1)(), (function () { return arguments; })(),
             [].values().map((x) => x), /a/g, new Error('x'), new Date(0), new WeakMap(), new WeakSet(), Promise.resolve(1),
             new Intl.NumberFormat(), new Intl.DateTimeFormat(), new Intl.Collator(), new Intl.PluralRules(),
             new Intl.Segmenter().segment('a'), new Intl.Segmenter().segment('a')[Symbol.iterator](), new Proxy({}, {})]
            """);
        for (uint i = 0; i < samples.Length; i++)
        {
            if (samples[i] is ObjectInstance sample && sample.Prototype is { } prototype)
            {
                seeds.Add((prototype, $"prototype of sample {i}"));
            }
        }

        var notFrozen = new List<string>();
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        var work = new Stack<(JsValue Value, string Path)>(seeds);
        while (work.Count > 0)
        {
            var (value, path) = work.Pop();
            if (value is not ObjectInstance obj || !seen.Add(obj))
            {
                continue;
            }

            if (obj.Extensible)
            {
                notFrozen.Add($"{path} ({obj.GetType().Name}) is extensible");
            }

            foreach (var key in obj.GetOwnPropertyKeys())
            {
                var descriptor = obj.GetOwnProperty(key);
                if (descriptor.Configurable || (descriptor.IsDataDescriptor() && descriptor.Writable))
                {
                    notFrozen.Add($"{path}.{key} ({obj.GetType().Name}) is {(descriptor.Configurable ? "configurable" : "writable")}");
                }

                work.Push((descriptor.IsDataDescriptor() ? descriptor.Value : JsValue.Undefined, $"{path}.{key}"));
                work.Push((descriptor.Get ?? JsValue.Undefined, $"{path}.get {key}"));
                work.Push((descriptor.Set ?? JsValue.Undefined, $"{path}.set {key}"));
            }

            work.Push((obj.Prototype ?? JsValue.Undefined, $"{path}.[[Prototype]]"));
        }

        Assert.True(notFrozen.Count == 0, $"{notFrozen.Count} not frozen (of {seen.Count} objects):\n" + string.Join('\n', notFrozen.Take(40)));
        Assert.True(seen.Count > 500, $"the walk reached only {seen.Count} objects");
    }

    /// <summary>
    /// The bootstrap no longer makes an instance of each kind to reach its prototype: it relies on the engine's table
    /// of intrinsics holding them all. Instances of the kinds no expression can name any more (typed arrays, DataView,
    /// Iterator.from's wrapper) are made here by the host, and with the kinds a script can make, every prototype on
    /// their chains is frozen (a generator's own prototype is per function: its parent is the shared one).
    /// </summary>
    [Fact]
    public void Prototypes_of_instances_the_bootstrap_does_not_make_are_frozen_through_the_table_of_intrinsics()
    {
        using var engine = new ExpressionEngine(new ExpressionLimits());
        var jint = engine.Jint;
        var table = Intrinsics(jint.Intrinsics).ToDictionary(e => e.Item2, e => e.Item1);
        var iterator = (ObjectInstance)table["intrinsics.Iterator"];
        var instances = new List<(JsValue Value, string Kind)>
        {
            (jint.Construct(table["intrinsics.Uint8Array"], [JsNumber.Create(0)]), "Uint8Array"),
            (jint.Construct(table["intrinsics.Float64Array"], [JsNumber.Create(0)]), "Float64Array"),
            (jint.Construct(table["intrinsics.DataView"], [jint.Construct(table["intrinsics.ArrayBuffer"], [JsNumber.Create(0)])]), "DataView"),
            (jint.Call(iterator.Get("from"), iterator, [jint.Evaluate("({ next() { return { done: true }; } })")]), "Iterator.from"),
        };
        var made = (JsArray)jint.Evaluate("""
            ['a'.matchAll(/a/g), /a/g, new Intl.Segmenter().segment('a'), new Intl.Segmenter().segment('a')[Symbol.iterator](),
             Object.create(Object.getPrototypeOf(function* () {}).prototype), Object.create(Object.getPrototypeOf(async function* () {}).prototype),
             (async function () {})(), Promise.resolve(), new Error('x')]
            """);
        for (uint i = 0; i < made.Length; i++)
        {
            instances.Add((made[i], $"script instance {i}"));
        }

        var notFrozen = new List<string>();
        foreach (var (value, kind) in instances)
        {
            for (var proto = ((ObjectInstance)value).Prototype; proto is not null; proto = proto.Prototype)
            {
                if (proto.Extensible || proto.GetOwnPropertyKeys().Any(k => proto.GetOwnProperty(k) is var d && (d.Configurable || (d.IsDataDescriptor() && d.Writable))))
                {
                    notFrozen.Add($"a prototype ({proto.GetType().Name}) of {kind}");
                }
            }
        }

        Assert.Empty(notFrozen);
    }

    /// <summary>SecretAccessError is the bootstrap's own class, not an intrinsic: its prototype and class are frozen too.</summary>
    [Fact]
    public void The_secrets_proxy_error_prototype_and_class_are_frozen()
    {
        using var engine = new ExpressionEngine(new ExpressionLimits());
        var analysis = ExpressionAnalysis.Analyze("(() => { try { return secrets.NOPE; } catch (e) { const p = Object.getPrototypeOf(e); return [p, p.constructor].map((o) => Object.isFrozen(o)).concat(Object.getPrototypeOf(p) === Error.prototype); } })()");

        var result = engine.Run(analysis, [], [], plain: false, null, null);

        Assert.Equal(EngineResultKind.Json, result.Kind);
        Assert.Equal("[true,true,true]", result.Text);
    }

    /// <summary>Every object the engine's table of intrinsics holds, in properties or fields, public or not.</summary>
    private static IEnumerable<(JsValue, string)> Intrinsics(object table)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var property in table.GetType().GetProperties(all).Where(p => p.GetIndexParameters().Length == 0 && typeof(JsValue).IsAssignableFrom(p.PropertyType)))
        {
            if (property.GetValue(table) is JsValue value)
            {
                yield return (value, "intrinsics." + property.Name);
            }
        }

        foreach (var field in table.GetType().GetFields(all).Where(f => typeof(JsValue).IsAssignableFrom(f.FieldType)))
        {
            if (field.GetValue(table) is JsValue value)
            {
                yield return (value, "intrinsics." + field.Name);
            }
        }
    }
}
