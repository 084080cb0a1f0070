using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class ExpressionSoakTests
{
    /// <summary>Hostile expressions, run with no secrets of their own: each plants state, patches an intrinsic, queues jobs or throws a spoofed error, and tries to read back what an earlier evaluation left.</summary>
    private static readonly string[] Hostile =
    [
        "(Object.getPrototypeOf([].values()).stash = 'x', 1)",
        "(Object.getPrototypeOf([].values()).next = function () { return { done: false, value: 'pwned' }; }, 1)",
        "(Array.prototype.map = function () { return ['pwned']; }, 1)",
        "(Object.getPrototypeOf(new Map().entries()).next = () => ({ done: true }), 1)",
        "(Promise.resolve().then(() => { Object.getPrototypeOf([].values()).next = () => ({ done: true }); }), 1)",
        "(Promise.resolve().then(() => { Object.prototype.toJSON = () => 'pwned'; }).catch(() => 0), [1].values().next().value)",
        "((async () => { await null; Object.getPrototypeOf('a'.matchAll(/a/g)).stash = 1; })(), 1)",
        "(() => { throw { name: 'SecretAccessError', message: 'spoofed ' + [Object.getPrototypeOf([].values()).stash, Math.stash] }; })()",
        "(() => { try { secrets.NOPE; } catch (e) { e.message = 'spoofed'; throw new e.constructor(String(Object.getPrototypeOf([].values()).stash)); } })()",
        "[Object.getPrototypeOf([].values()).stash, Object.getPrototypeOf(new Map().entries()).stash, Object.prototype.stash, Math.stash, typeof Symbol.for]",
        // The attack of the issue: make a later, innocent evaluation write what it iterates where this one can read it.
        "((P) => { const next = P.next; P.next = function () { const r = next.call(this); (P.log ||= []).push(r.value); return r; }; return 1; })(Object.getPrototypeOf(''[Symbol.iterator]()))",
        "((P) => { const next = P.next; P.next = function () { const r = next.call(this); (P.log ||= []).push(r.value); return r; }; return 1; })(Object.getPrototypeOf([].values()))",
        "[Object.getPrototypeOf(''[Symbol.iterator]()).log, Object.getPrototypeOf([].values()).log].map((l) => (l || []).join(''))",
    ];

    [Fact]
    public void Ten_thousand_evaluations_on_one_pooled_evaluator_with_every_tenth_hostile_stay_isolated()
    {
        using var evaluator = new ExpressionEvaluator();
        var given = new List<string>();
        var hostileRuns = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (i % 10 == 9)
            {
                // Now and then a job that never ends: the engine it ran on is discarded, not pooled.
                var expression = hostileRuns % 50 == 49 ? "(Promise.resolve().then(() => { for (;;) {} }), 1)" : Hostile[hostileRuns % Hostile.Length];
                hostileRuns++;
                var hostile = evaluator.Evaluate(new ExpressionRequest { Expression = expression });
                var seen = (hostile.Error ?? string.Empty) + (hostile.Value?.ToJsonString() ?? string.Empty);
                Assert.DoesNotContain("s3cr3t", seen, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("t3rc3s", seen, StringComparison.OrdinalIgnoreCase);
                continue;
            }

            var token = $"s3cr3t-{i:D5}-q";
            given.Add(token);
            var (innocent, expected) = Innocent(i, token);
            var result = evaluator.Evaluate(new ExpressionRequest { Expression = innocent, Secrets = new Dictionary<string, string> { ["API_TOKEN"] = token } });
            Assert.True(result.Status == ExpressionStatus.Ok, $"evaluation {i} ({innocent}): {result.Status} {result.Error}");
            Assert.True(JsonNode.DeepEquals(expected, result.Value), $"evaluation {i} ({innocent}): {result.Value?.ToJsonString()} instead of {expected?.ToJsonString()}");
        }

        Assert.Equal(1_000, hostileRuns);
        Assert.Equal(9_000, given.Count);
    }

    private static (string Expression, JsonNode? Expected) Innocent(int i, string token) => (i % 7) switch
    {
        0 => ("`Bearer ${secrets.API_TOKEN}`", JsonValue.Create("Bearer " + token)),
        1 => ("[...secrets.API_TOKEN].reverse().join('')", JsonValue.Create(new string(token.Reverse().ToArray()))),
        2 => ("(() => { const out = []; for (const [i, v] of ['a', 'b'].entries()) out.push(i + v); return out; })()", new JsonArray("0a", "1b")),
        3 => ("[...new Map([['k', secrets.API_TOKEN.length]]).values()][0]", JsonValue.Create(token.Length)),
        4 => ("JSON.stringify({ t: secrets.API_TOKEN.slice(0, 6) })", JsonValue.Create("{\"t\":\"s3cr3t\"}")),
        5 => ("[1, 2, 3].map((x) => x * 2).concat(Array.from(new Set([1, 1, 2])))", new JsonArray(2, 4, 6, 1, 2)),
        _ => ("[...'ab'.matchAll(/./g)].map((m) => m[0]).join('-') + ({}).toString()", JsonValue.Create("a-b[object Object]")),
    };
}
