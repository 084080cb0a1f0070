using BenchmarkDotNet.Attributes;
using Jint;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Benchmarks;

/// <summary>A warm evaluator with every limit and isolation rule on, against a bare reused engine and a fresh engine per call.</summary>
[MemoryDiagnoser]
public class ExpressionBenchmarks
{
    internal const string Template = "`Bearer ${secrets.API_TOKEN}`";
    private static readonly Dictionary<string, string> Secrets = new() { ["API_TOKEN"] = "tok-0123456789abcdef" };
    private ExpressionEvaluator _evaluator = null!;
    private Engine _bare = null!;
    private Prepared<Acornima.Ast.Script> _prepared;

    [GlobalSetup]
    public void Setup()
    {
        _evaluator = new ExpressionEvaluator();
        _bare = new Engine();
        _bare.SetValue("secrets", new Dictionary<string, object> { ["API_TOKEN"] = "tok-0123456789abcdef" });
        _prepared = Engine.PrepareScript(Template);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _evaluator.Dispose();
        _bare.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare reused Jint engine, prepared script, no limits")]
    public object Bare() => _bare.Evaluate(_prepared).AsString();

    [Benchmark(Description = "ExpressionEvaluator, warm, all limits and isolation")]
    public object Safe() => _evaluator.Evaluate(new ExpressionRequest { Expression = Template, Secrets = Secrets }).Value!;

    [Benchmark(Description = "same protections on a fresh evaluator per call")]
    public object Fresh()
    {
        using var evaluator = new ExpressionEvaluator();
        return evaluator.Evaluate(new ExpressionRequest { Expression = Template, Secrets = Secrets }).Value!;
    }
}

/// <summary>Quick table for expressions.</summary>
public sealed class ExpressionQuickBenchmark : IQuickBenchmark
{
    public string Name => "expressions";

    public IEnumerable<QuickRow> Run()
    {
        var secrets = new Dictionary<string, string> { ["API_TOKEN"] = "tok-0123456789abcdef" };
        var request = new ExpressionRequest { Expression = ExpressionBenchmarks.Template, Secrets = secrets };
        var firstStart = System.Diagnostics.Stopwatch.GetTimestamp();
        using var evaluator = new ExpressionEvaluator();
        evaluator.Evaluate(request);
        var first = System.Diagnostics.Stopwatch.GetElapsedTime(firstStart).TotalNanoseconds;

        using var bare = new Engine();
        bare.SetValue("secrets", new Dictionary<string, object> { ["API_TOKEN"] = "tok-0123456789abcdef" });
        var prepared = Engine.PrepareScript(ExpressionBenchmarks.Template);
        // p50s side by side (batches of 10, alternating); p99 and allocation from single evaluations.
        var (baseline, paired) = QuickMeasure.Pair(() => bare.Evaluate(prepared), () => evaluator.Evaluate(request), TimeSpan.FromSeconds(3));
        var safe = QuickMeasure.Time(() => evaluator.Evaluate(request), TimeSpan.FromSeconds(2), warmup: 2000);
        var fresh = QuickMeasure.Time(() =>
        {
            using var e = new ExpressionEvaluator();
            e.Evaluate(request);
        }, TimeSpan.FromSeconds(3), warmup: 5);
        return
        [
            new QuickRow(Name, "bare reused Jint engine, no limits (baseline), p50", QuickMeasure.Duration(baseline.P50Ns)),
            new QuickRow(Name, "warm evaluator, all limits + isolation, p50", QuickMeasure.Duration(paired.P50Ns), QuickMeasure.Ratio(paired.P50Ns, baseline.P50Ns), "≤3 µs, ≤2.5x baseline"),
            new QuickRow(Name, "warm evaluator, p99", QuickMeasure.Duration(safe.P99Ns), string.Empty, "≤50 µs"),
            new QuickRow(Name, "warm evaluator, allocated per evaluation", QuickMeasure.Bytes(safe.AllocatedBytesPerOp), string.Empty, "≤8 KB"),
            new QuickRow(Name, "fresh evaluator per call, p50", QuickMeasure.Duration(fresh.P50Ns), QuickMeasure.Ratio(fresh.P50Ns, paired.P50Ns) + " than warm", "warm ≥3x faster"),
            new QuickRow(Name, "first evaluation after start (incl. engine set-up)", QuickMeasure.Duration(first)),
        ];
    }
}
