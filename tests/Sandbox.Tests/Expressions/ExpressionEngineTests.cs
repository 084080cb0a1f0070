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
