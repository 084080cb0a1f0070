using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// The policy's verdicts are worked out once per symbol and kept (per walk, and across compilations for library
/// definitions). A kept verdict must be the rules' own answer for that very symbol: these tests ask about a refused
/// member after an allowed one that shares its name or its type, in one script and across scripts of one compiler
/// (cache-key confusion would let the refused one through), and compare every verdict of a walk with and without
/// the cache.
/// </summary>
public sealed class SymbolVerdictCacheTests
{
    public static TheoryData<string, string, string> AllowedThenRefused() => new()
    {
        // Same member name, the refused one on a library type, the allowed one on the script's own.
        { "class C { public new int GetType() => 1; }\nreturn new C().GetType();", "return \"x\".GetType().Name;", "GetType" },

        // Same member name and type argument, different generic types: ValueTask<int>.Result is allowed, Task<int>.Result refused.
        { "return new ValueTask<int>(1).Result;", "return Task.FromResult(1).Result;", "Result" },

        // Same type (a library definition, kept across compilations), different members.
        { "return Environment.NewLine;", "return Environment.ProcessId;", "ProcessId" },
        { "return TimeZoneInfo.ConvertTime(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc).Year;", "TimeZoneInfo.ClearCachedData();\nreturn 1;", "ClearCachedData" },
    };

    [Theory]
    [MemberData(nameof(AllowedThenRefused))]
    public void A_refused_member_stays_refused_after_an_allowed_one_that_shares_its_name_or_type(string allowed, string refused, string named)
    {
        var compiler = new ScriptCompiler();

        Assert.True(compiler.Compile(allowed).Succeeded, allowed);
        AssertRefusedNaming(compiler.Compile(refused), named);

        // Both in one script, the allowed one first: the walk's own verdicts.
        var both = allowed.Replace("return ", "var first = ", StringComparison.Ordinal) + "\n" + refused;
        AssertRefusedNaming(compiler.Compile(both), named);

        // And a refused verdict does not stick to the allowed one either.
        Assert.True(compiler.Compile(allowed + "\n// again").Succeeded, allowed);
        AssertRefusedNaming(compiler.Compile(refused + "\n// again"), named);
        Assert.True(compiler.PolicyCache.Count > 0);
    }

    [Theory]
    [MemberData(nameof(AllowedThenRefused))]
    public void A_refused_member_asked_about_first_stays_refused_and_the_allowed_one_stays_allowed(string allowed, string refused, string named)
    {
        var compiler = new ScriptCompiler();

        AssertRefusedNaming(compiler.Compile(refused), named);
        Assert.True(compiler.Compile(allowed).Succeeded, allowed);
        AssertRefusedNaming(compiler.Compile(refused + "\n// again"), named);
    }

    [Fact]
    public void Every_refusal_of_a_walk_is_the_same_with_the_cache_cold_warm_and_absent()
    {
        const string Source = """
            using System.Security.Cryptography;
            class C { public new int GetType() => 1; public override string ToString() => "c"; }
            var a = new C().GetType() + new ValueTask<int>(1).Result + Environment.NewLine.Length;
            var b = Task.FromResult(1).Result;
            var c = "x".GetType();
            var d = Environment.ProcessId;
            var e = new List<Action<nint>>();
            var f = System.Runtime.InteropServices.Marshal.SizeOf<int>();
            var g = Encoding.UTF8.GetBytes("x").Length + HMACSHA256.HashData(new byte[1], new byte[1]).Length;
            foreach (var (k, v) in new Dictionary<string, int> { ["a"] = 1 }) { a += v; }
            await Task.Delay(1);
            TimeZoneInfo.ClearCachedData();
            return new JsonObject { ["a"] = a, ["s"] = new C().ToString() };
            """;
        var compiler = new ScriptCompiler();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ScriptCompiler.DefaultUsings);
        var parse = new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script);
        var empty = CSharpSyntaxTree.ParseText(string.Empty, parse);
        var bound = CSharpCompilation.CreateScriptCompilation("t", empty, compiler.References, options, globalsType: typeof(ScriptGlobals));
        var shared = new SymbolVerdictCache();

        IReadOnlyList<ScriptDiagnostic> Walk(SymbolVerdictCache? cache, int round)
        {
            var tree = CSharpSyntaxTree.ParseText(Source + $"\n// {round}", parse);
            return ScriptPolicy.Check(tree, bound.ReplaceSyntaxTree(empty, tree).GetSemanticModel(tree), cache);
        }

        var uncached = Walk(null, 0);
        Assert.True(uncached.Count >= 6, string.Join("; ", uncached));
        Assert.Equal(uncached, Walk(shared, 1));
        Assert.True(shared.Count > 0);
        Assert.Equal(uncached, Walk(shared, 2));
        Assert.Equal(uncached, Walk(null, 3));
    }

    private static void AssertRefusedNaming(ScriptCompilation result, string named)
    {
        Assert.False(result.Succeeded, "the script compiled");
        Assert.True(result.Diagnostics.Any(d => d.Code.StartsWith("SR", StringComparison.Ordinal) && d.Message.Contains(named, StringComparison.Ordinal)),
            $"no policy refusal naming '{named}': {string.Join("; ", result.Diagnostics)}");
    }
}
