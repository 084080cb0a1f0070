using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// C# code nodes: compiling a new 20-line script (policy and guards included) against <c>CSharpScript.Create</c> in the
/// same warm process, the cached round trip through a warm worker, 1,000 runs for growth, the strictest mode, and
/// the CLI from process start to the first result of a cached script.
/// </summary>
public sealed class ScriptQuickBenchmark : IQuickBenchmark
{
    /// <summary>A typical 20-line code node: parse input, sign with HMAC, build JSON.</summary>
    public const string Script = """
        using System.Security.Cryptography;
        var input = context.Input;
        var order = input?["order"]?.GetValue<int>() ?? 0;
        var items = new List<string> { "a", "b", "c" };
        var total = 0m;
        foreach (var item in items)
        {
            total += item.Length * 1.5m;
        }
        var payload = new JsonObject
        {
            ["order"] = order,
            ["items"] = new JsonArray(items.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            ["total"] = total,
        };
        var text = payload.ToJsonString();
        var key = Encoding.UTF8.GetBytes(context.Secrets["Key"]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));
        context.Log($"signed {text.Length} bytes");
        return new JsonObject { ["payload"] = text, ["signature"] = Convert.ToHexStringLower(mac) };
        """;

    private static int _unique;

    /// <inheritdoc />
    public string Name => "scripts";

    /// <inheritdoc />
    public IEnumerable<QuickRow> Run()
    {
        var rows = new List<QuickRow>();
        rows.AddRange(Compile());
        rows.AddRange(RoundTrip());
        rows.AddRange(Strict());
        rows.AddRange(Cli());
        return rows;
    }

    private static string Unique() => Script + $"\n// {Interlocked.Increment(ref _unique)}";

    private List<QuickRow> Compile()
    {
        // Both compilers in this warm process, new source every time; then the compile worker's round trip.
        var compiler = new ScriptCompiler();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileNameWithoutExtension(p) is "System.Private.CoreLib" or "System.Runtime" or "System.Collections" or "System.Linq" or "System.Text.RegularExpressions"
                or "System.Text.Json" or "System.Memory" or "System.Runtime.Numerics" or "System.Security.Cryptography" or "System.Text.Encodings.Web" or "netstandard")
            .Select(p => MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(ScriptGlobals).Assembly.Location));
        var options = ScriptOptions.Default.WithReferences(references).WithImports(ScriptCompiler.DefaultUsings);
        // Warm means warm: enough compiles for the runtime to have optimized the compiler's hot paths in each process.
        // The compile worker goes first, while this process is idle: on two cores this process's own background JIT
        // would otherwise compete with it.
        using var runner = new ScriptRunner();
        var worker = QuickMeasure.Time(() => runner.CompileUncachedAsync(Unique()).GetAwaiter().GetResult(), TimeSpan.FromSeconds(5), warmup: 150, maxOperations: 60);
        var theirs = QuickMeasure.Time(() => CSharpScript.Create(Unique(), options, typeof(ScriptGlobals)).Compile(), TimeSpan.FromSeconds(5), warmup: 60, maxOperations: 60);
        var ours = QuickMeasure.Time(() => compiler.Compile(Unique()), TimeSpan.FromSeconds(5), warmup: 60, maxOperations: 60);
        return
        [
            new QuickRow(Name, "compile new 20-line script: CSharpScript.Create(...).Compile() (baseline), p50", QuickMeasure.Duration(theirs.P50Ns)),
            new QuickRow(Name, "compile new 20-line script: ScriptCompiler in process (policy, guards, metadata check), p50", QuickMeasure.Duration(ours.P50Ns), QuickMeasure.Ratio(ours.P50Ns, theirs.P50Ns), "≥3x faster"),
            new QuickRow(Name, "compile new 20-line script: round trip to the warm compile worker, p50", QuickMeasure.Duration(worker.P50Ns), QuickMeasure.Ratio(worker.P50Ns, theirs.P50Ns), "≤30 ms"),
        ];
    }

    private List<QuickRow> RoundTrip()
    {
        using var runner = new ScriptRunner();
        var request = new ScriptRequest { Source = Script, Secrets = new Dictionary<string, string> { ["Key"] = "tok-0123456789abcdef" }, InputJson = "{\"order\":7}" };
        runner.RunAsync(request).GetAwaiter().GetResult();
        var warm = QuickMeasure.Time(() => runner.RunAsync(request).GetAwaiter().GetResult(), TimeSpan.FromSeconds(3), warmup: 20, maxOperations: 2000);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workersBefore = runner.WorkerCount;
        for (var i = 0; i < 1000; i++)
        {
            runner.RunAsync(request).GetAwaiter().GetResult();
        }

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var workersAfter = runner.WorkerCount;
        return
        [
            new QuickRow(Name, "cached script, round trip through a warm worker, p50", QuickMeasure.Duration(warm.P50Ns), string.Empty, "≤2 ms"),
            new QuickRow(Name, "cached script, round trip through a warm worker, p95", QuickMeasure.Duration(warm.P95Ns), string.Empty, "≤10 ms"),
            new QuickRow(Name, "1,000 sequential runs: host managed heap before -> after", $"{QuickMeasure.Bytes(heapBefore)} -> {QuickMeasure.Bytes(heapAfter)}", string.Empty, "no growth"),
            new QuickRow(Name, "1,000 sequential runs: worker processes before -> after", string.Create(CultureInfo.InvariantCulture, $"{workersBefore} -> {workersAfter}"), string.Empty, "no growth"),
        ];
    }

    private List<QuickRow> Strict()
    {
        using var runner = new ScriptRunner(new ScriptRunnerOptions { ReuseWorkers = false });
        var request = new ScriptRequest { Source = Script, Secrets = new Dictionary<string, string> { ["Key"] = "tok-0123456789abcdef" } };
        runner.RunAsync(request).GetAwaiter().GetResult();
        var strict = QuickMeasure.Time(() => runner.RunAsync(request).GetAwaiter().GetResult(), TimeSpan.FromSeconds(5), warmup: 2, maxOperations: 20);
        return
        [
            new QuickRow(Name, $"strictest mode ({runner.Isolation}, fresh worker per run), per run, mean", QuickMeasure.Duration(strict.MeanNs), string.Empty, "≤300 ms"),
        ];
    }

    private List<QuickRow> Cli()
    {
        if (FindCli() is not { } cli)
        {
            return [new QuickRow(Name, "CLI: process start to first result", "n/a (build src/Cli -c Release first)")];
        }

        var dir = Directory.CreateTempSubdirectory("bench-cli-").FullName;
        try
        {
            var script = Path.Combine(dir, "sign.csx");
            var values = Path.Combine(dir, "values.env");
            File.WriteAllText(script, Script);
            File.WriteAllText(values, "SIGNING_KEY=tok-0123456789abcdef\n");
            string[] exec = ["--home", dir, "exec", script, "--credential", "Key=SIGNING_KEY", "--secrets-file", values, "--input", "{\"order\":7}"];
            Process(cli, exec);
            var version = Median(() => Process(cli, ["--version"]));
            var cached = Median(() => Process(cli, exec));
            return
            [
                new QuickRow(Name, "CLI: process start to exit, --version (baseline), median of 5", QuickMeasure.Duration(version)),
                new QuickRow(Name, "CLI: process start to first result, exec of a cached script, median of 5", QuickMeasure.Duration(cached), QuickMeasure.Ratio(cached, version)),
            ];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(Func<double> measure) => Enumerable.Range(0, 5).Select(_ => measure()).Order().ElementAt(2);

    private static double Process(string cli, string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        using var process = System.Diagnostics.Process.Start(new ProcessStartInfo("dotnet", [cli, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"secrets-runtime {string.Join(' ', arguments)} exited with {process.ExitCode}");
        }

        return clock.Elapsed.TotalNanoseconds;
    }

    private static string? FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Cli", "bin", "Release", "net10.0", "secrets-runtime.dll");
            if (File.Exists(Path.Combine(dir.FullName, "Secrets.Runtime.sln")))
            {
                return File.Exists(candidate) ? candidate : null;
            }
        }

        return null;
    }
}
