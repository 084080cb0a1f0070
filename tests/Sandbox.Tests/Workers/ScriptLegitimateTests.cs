using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>Scripts a workflow author writes every day run through the whole pipeline (compile worker, guards, worker) and compute the right values.</summary>
[Collection(WorkersCollection.Name)]
public sealed class ScriptLegitimateTests(ScriptRunnerFixture workers)
{
    private const string Key = "whsec_legit_8e7d6c5b4a";
    private async Task<string> Run(string source, string input = "{\"items\":[1,2,3],\"name\":\" Ada \"}")
    {
        var result = await workers.Runner.RunAsync(new ScriptRequest
        {
            Source = source,
            Secrets = new Dictionary<string, string> { ["Key"] = Key, ["Password"] = "pa55", ["User"] = "ada" },
            InputJson = input,
            Run = new Sandbox.CSharp.ScriptRunInfo("run-7", "wf", "node", "manual"),
        });
        Assert.True(result.Status == ScriptStatus.Ok, $"{result.Status}: {result.Error} {string.Join("; ", result.Diagnostics)}");
        return result.Value!.ToJsonString();
    }

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Theory]
    [InlineData("return context.Input![\"name\"]!.GetValue<string>().Trim().ToUpperInvariant() + \"|\" + string.Join(\"-\", \"a,b,c\".Split(','));", "\"ADA|a-b-c\"")]
    [InlineData("return context.Input![\"items\"]!.AsArray().Select(i => (int)i!).Where(i => i > 1).Sum();", "5")]
    [InlineData("return new JsonObject { [\"n\"] = 1, [\"list\"] = new JsonArray(1, 2) };", "{\"n\":1,\"list\":[1,2]}")]
    [InlineData("var r = new Regex(\"(\\\\d+)-(\\\\d+)\", RegexOptions.None, TimeSpan.FromMilliseconds(50)); return r.Match(\"12-34\").Groups[2].Value;", "\"34\"")]
    [InlineData("decimal total = 19.99m * 3; return Math.Round(total * 1.2m, 2, MidpointRounding.AwayFromZero);", "71.96")]
    [InlineData("return new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero).AddDays(7).ToString(\"yyyy-MM-dd dddd\", CultureInfo.InvariantCulture);", "\"2026-12-01 Tuesday\"")]
    [InlineData("return \"Basic \" + Convert.ToBase64String(Encoding.UTF8.GetBytes(context.Secrets[\"User\"] + \":\" + context.Secrets[\"Password\"]));", "\"Basic YWRhOnBhNTU=\"")]
    [InlineData("record Order(int Id, decimal Total); var o = new Order(1, 5m); return o switch { { Total: > 1m } => \"big\", _ => \"small\" };", "\"big\"")]
    [InlineData("await Task.Delay(10); var t = await Task.WhenAll(Task.FromResult(1), Task.FromResult(2)); return t.Sum();", "3")]
    [InlineData("return System.Numerics.BigInteger.Pow(2, 70).ToString();", "\"1180591620717411303424\"")]
    [InlineData("var sb = new StringBuilder(); foreach (var (k, v) in new Dictionary<string, int> { [\"a\"] = 1, [\"b\"] = 2 }) sb.Append(k).Append(v); return sb.ToString();", "\"a1b2\"")]
    public async Task Everyday_scripts_compute_the_right_values(string source, string expected)
    {
        Assert.Equal(expected, await Run(source));
    }

    [Theory]
    [InlineData("""
        async IAsyncEnumerable<int> Numbers(int n) { for (var i = 1; i <= n; i++) { await Task.Delay(1); yield return i * i; } }
        var sum = 0;
        await foreach (var x in Numbers(4)) { sum += x; }
        return sum;
        """, "30")]
    [InlineData("""
        async IAsyncEnumerable<int> Forever() { var i = 0; while (true) { await Task.Yield(); yield return i++; } }
        var taken = new List<int>();
        await foreach (var x in Forever()) { if (x == 3) break; taken.Add(x); }
        return string.Join(",", taken);
        """, "\"0,1,2\"")]
    [InlineData("""
        async IAsyncEnumerable<string> Pages() { foreach (var p in new[] { "a", "b" }) { await Task.Yield(); yield return p; } }
        await using var e = Pages().GetAsyncEnumerator();
        var seen = new StringBuilder();
        while (await e.MoveNextAsync()) { seen.Append(e.Current); }
        return seen.ToString();
        """, "\"ab\"")]
    [InlineData("""
        var n = 0;
        for (var i = 0; i < 5; i++) { await Task.Yield(); n += i; }
        async Task<int> Later(int v) { await Task.Yield(); return v * 2; }
        return n + await Later(1);
        """, "12")]
    public async Task Async_iterators_and_task_yield_run_to_the_right_value(string source, string expected)
    {
        Assert.Equal(expected, await Run(source));
    }

    [Fact]
    public async Task An_hmac_webhook_signature_matches_one_computed_here()
    {
        var value = await Run("""
            using System.Security.Cryptography;
            var body = context.Input!.ToJsonString();
            return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(context.Secrets["Key"]), Encoding.UTF8.GetBytes(body)));
            """, "{\"order\":42}");

        Assert.Equal($"\"{Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes("{\"order\":42}")))}\"", value);
    }

    [Fact]
    public async Task A_jwt_hs256_verifies_with_the_aliased_key()
    {
        var value = await Run("""
            using System.Security.Cryptography;
            static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var header = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
            var payload = B64(Encoding.UTF8.GetBytes(new JsonObject { ["sub"] = context.Run.RunId }.ToJsonString()));
            var signature = B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(context.Secrets["Key"]), Encoding.UTF8.GetBytes(header + "." + payload)));
            return header + "." + payload + "." + signature;
            """);

        var parts = System.Text.Json.JsonSerializer.Deserialize<string>(value)!.Split('.');
        Assert.Equal(B64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(parts[0] + "." + parts[1]))), parts[2]);
        Assert.Equal("{\"sub\":\"run-7\"}", Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/') + new string('=', (4 - parts[1].Length % 4) % 4))));
    }
}
