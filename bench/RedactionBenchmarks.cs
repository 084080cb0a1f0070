using System.Text;
using BenchmarkDotNet.Attributes;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Benchmarks;

/// <summary>Bulk masking with 1,000 secrets and all their forms, against one string.Replace per registered form.</summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private RedactionWorkload _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new RedactionWorkload(1000);

    [Benchmark(Baseline = true, Description = "string.Replace once per registered form")]
    public string ReplaceLoop() => _work.ReplaceLoop();

    [Benchmark(Description = "SecretRedactor.Redact")]
    public string Redact() => _work.Redactor.Redact(_work.Text);
}

/// <summary>A redactor with N secrets (all forms), and a 1 MB text with a few hits.</summary>
public sealed class RedactionWorkload
{
    public RedactionWorkload(int secrets)
    {
        Redactor = new SecretRedactor();
        var random = new Random(42);
        Values = Enumerable.Range(0, secrets).Select(i => $"sk_{i:0000}_{Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))}").ToList();
        foreach (var value in Values)
        {
            Redactor.Add(value);
        }

        Forms = Values.SelectMany(v => SecretForms.For(v, Redactor.Options)).Distinct().ToList();
        var sb = new StringBuilder();
        var line = 0;
        while (sb.Length < 1_000_000)
        {
            sb.Append("2026-11-24T10:00:00Z INF request ").Append(line).Append(" served in 12 ms for user=alice path=/api/v1/items?page=3");
            if (line++ % 500 == 0)
            {
                sb.Append(" token=").Append(Values[line % Values.Count]);
            }

            sb.Append('\n');
        }

        Text = sb.ToString();
    }

    public SecretRedactor Redactor { get; }

    public List<string> Values { get; }

    public List<string> Forms { get; }

    public string Text { get; }

    public string ReplaceLoop()
    {
        var text = Text;
        foreach (var form in Forms)
        {
            text = text.Replace(form, "***", StringComparison.Ordinal);
        }

        return text;
    }
}

/// <summary>Quick table for redaction.</summary>
public sealed class RedactionQuickBenchmark : IQuickBenchmark
{
    public string Name => "redaction";

    public IEnumerable<QuickRow> Run()
    {
        var work = new RedactionWorkload(1000);
        var replace = QuickMeasure.Time(() => work.ReplaceLoop(), TimeSpan.FromSeconds(3), warmup: 1);
        var redact = QuickMeasure.Time(() => work.Redactor.Redact(work.Text), TimeSpan.FromSeconds(2), warmup: 3);
        var mbps = work.Text.Length * 2 / 1e6 / (redact.P50Ns / 1e9);

        const string logLine = "2026-11-24T10:00:00.123Z INF HTTP GET /api/v1/projects/42/items?page=3&size=50 responded 200 in 12.3456 ms for user alice@example.com from 10.0.0.17 (trace 4bf92f3577b34da6a3ce929d0e0e4736)";
        var (event500, patterns500) = WithPatterns(work.Values, 500);
        var (small, patterns16) = WithPatterns(work.Values, 16);
        var e500 = QuickMeasure.Time(() => event500.Redact(logLine), TimeSpan.FromSeconds(1), warmup: 5000, batch: 1000);
        var e16 = QuickMeasure.Time(() => small.Redact(logLine), TimeSpan.FromSeconds(1), warmup: 5000, batch: 1000);

        var big = new SecretRedactor();
        foreach (var value in new RedactionWorkload(2000).Values)
        {
            big.Add(value);
        }

        var adds = 0;
        var add = QuickMeasure.Time(() => big.Add($"new-secret-{adds++:000000}-abcdef"), TimeSpan.FromSeconds(1), warmup: 3, maxOperations: 200);
        return
        [
            new QuickRow(Name, "1 MB log, 1,000 secrets x all forms: string.Replace per form (baseline)", QuickMeasure.Duration(replace.P50Ns)),
            new QuickRow(Name, "1 MB log, 1,000 secrets x all forms: SecretRedactor", $"{QuickMeasure.Duration(redact.P50Ns)} ({mbps:0} MB/s)", QuickMeasure.Ratio(redact.P50Ns, replace.P50Ns), "≥300 MB/s, ≥30x"),
            new QuickRow(Name, $"200-char event, no hit, {patterns500} patterns", $"{QuickMeasure.Duration(e500.P50Ns)}, {QuickMeasure.Bytes(e500.AllocatedBytesPerOp)}", string.Empty, "≤1.5 µs, 0 B"),
            new QuickRow(Name, $"200-char event, no hit, {patterns16} patterns", $"{QuickMeasure.Duration(e16.P50Ns)}, {QuickMeasure.Bytes(e16.AllocatedBytesPerOp)}", string.Empty, "≤150 ns"),
            new QuickRow(Name, "add one secret with 2,000 registered (p50 / p99)", $"{QuickMeasure.Duration(add.P50Ns)} / {QuickMeasure.Duration(add.P99Ns)}", string.Empty, "≤5 ms"),
        ];
    }

    /// <summary>A redactor holding secrets until at least <paramref name="patterns"/> forms are registered.</summary>
    private static (SecretRedactor Redactor, int Patterns) WithPatterns(IEnumerable<string> values, int patterns)
    {
        var redactor = new SecretRedactor();
        var count = 0;
        foreach (var value in values)
        {
            if (count >= patterns)
            {
                break;
            }

            redactor.Add(value);
            count += SecretForms.For(value, redactor.Options).Count;
        }

        return (redactor, count);
    }
}
