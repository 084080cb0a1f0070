using System.Diagnostics;
using System.Globalization;
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
        return rows;
    }

    private static string Unique() => Script + $"\n// {Interlocked.Increment(ref _unique)}";

    /// <summary>
    /// Compiles before timing starts. Warm means warm: the runtime keeps promoting Roslyn's methods to optimized code
    /// for a few hundred compiles (the compile worker's round trip was 17 ms after 100 and 7.4 ms after 400).
    /// </summary>
    private const int WarmCompiles = 400;

    /// <summary>The argument that makes this program the child that times both compilers under the compile worker's settings.</summary>
    public const string CompilePairArgument = "--compile-pair";

    private List<QuickRow> Compile()
    {
        // Both compilers side by side in this process (default runtime settings), then again in a child process
        // started with the compile worker's runtime settings, then the round trip to the compile worker itself.
        var (theirs, ours) = ComparePair();
        var (workerTheirs, workerOurs) = CompareInWorkerSettings();
        using var runner = new ScriptRunner();
        var worker = QuickMeasure.Time(() => runner.CompileUncachedAsync(Unique()).GetAwaiter().GetResult(), TimeSpan.FromSeconds(10), warmup: WarmCompiles, maxOperations: 100);
        return
        [
            new QuickRow(Name, "compile new 20-line script, this process: CSharpScript.Create(...).Compile() (baseline), p50", QuickMeasure.Duration(theirs)),
            new QuickRow(Name, "compile new 20-line script, this process: ScriptCompiler (policy, guards, metadata check), p50", QuickMeasure.Duration(ours), QuickMeasure.Ratio(ours, theirs), "≥3x faster"),
            new QuickRow(Name, "compile new 20-line script, compile worker's settings: CSharpScript.Create(...).Compile() (baseline), p50", QuickMeasure.Duration(workerTheirs)),
            new QuickRow(Name, "compile new 20-line script, compile worker's settings: ScriptCompiler, p50", QuickMeasure.Duration(workerOurs), QuickMeasure.Ratio(workerOurs, workerTheirs), "≥3x faster"),
            new QuickRow(Name, "compile new 20-line script: round trip to the warm compile worker, p50", QuickMeasure.Duration(worker.P50Ns), string.Empty, "≤30 ms"),
        ];
    }

    /// <summary>
    /// Times <c>CSharpScript.Create(...).Compile()</c> and <see cref="ScriptCompiler"/> side by side in this process, in
    /// rounds of one compile each, a new source every time; returns the p50 of each in nanoseconds.
    /// </summary>
    public static (double Baseline, double Ours) ComparePair()
    {
        var compiler = new ScriptCompiler();
        var options = ScriptOptions.Default.WithReferences(compiler.References).WithImports(ScriptCompiler.DefaultUsings);

        var timings = QuickMeasure.Side(
            [() => CSharpScript.Create(Unique(), options, typeof(ScriptGlobals)).Compile(), () => compiler.Compile(Unique())],
            TimeSpan.FromSeconds(10), warmup: WarmCompiles, maxRounds: 100);
        return (timings[0].P50Ns, timings[1].P50Ns);
    }

    /// <summary>
    /// <see cref="ComparePair"/> in a child process whose runtime settings are the compile worker's (the launcher's own
    /// environment for it), since "in the same warm process" there means the compile worker's process.
    /// </summary>
    private static (double Baseline, double Ours) CompareInWorkerSettings()
    {
        var worker = WorkerLauncher.StartInfo(Path.Combine(AppContext.BaseDirectory, "secrets-runtime-worker.dll"), [Sandbox.Workers.Protocol.WorkerProtocol.CompileMode], new ScriptRunnerOptions().CompileHeapBytes, WorkerIsolation.Process, new WorkerResources(), WorkerLauncher.Tools(), seccompFd: -1);
        var child = new ProcessStartInfo(WorkerLauncher.DotnetHost(), [typeof(ScriptQuickBenchmark).Assembly.Location, CompilePairArgument]) { RedirectStandardOutput = true };
        foreach (var (name, value) in worker.Environment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            child.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(child)!;
        var line = process.StandardOutput.ReadToEnd().Trim().Split(' ');
        process.WaitForExit();
        return (double.Parse(line[0], CultureInfo.InvariantCulture), double.Parse(line[1], CultureInfo.InvariantCulture));
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

        // A different credential set never shares a worker: each run takes the spare (a new one starts behind it).
        var fresh = 0;
        var newCredentials = QuickMeasure.Time(
            () => runner.RunAsync(request with { Secrets = new Dictionary<string, string> { ["Key"] = $"tok-{Interlocked.Increment(ref fresh)}" } }).GetAwaiter().GetResult(),
            TimeSpan.FromSeconds(5), warmup: 2, maxOperations: 20);
        return
        [
            new QuickRow(Name, "cached script, round trip through a warm worker, p50", QuickMeasure.Duration(warm.P50Ns), string.Empty, "≤2 ms"),
            new QuickRow(Name, "cached script, a new credential set every run (no reuse across credentials), mean", QuickMeasure.Duration(newCredentials.MeanNs), QuickMeasure.Ratio(newCredentials.MeanNs, warm.P50Ns)),
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
}
