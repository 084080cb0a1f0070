using System.Diagnostics;
using System.Globalization;

namespace Secrets.Runtime.Benchmarks;

/// <summary>Small timing tools for quick mode: warm up, then time many calls and report mean, percentiles and allocation.</summary>
public static class QuickMeasure
{
    /// <summary>Result of <see cref="Time"/>.</summary>
    public sealed record Timing(double MeanNs, double P50Ns, double P95Ns, double P99Ns, double AllocatedBytesPerOp, int Operations);

    /// <summary>Times <paramref name="action"/>: <paramref name="warmup"/> untimed calls, then calls timed one by one for about <paramref name="budget"/>.</summary>
    public static Timing Time(Action action, TimeSpan? budget = null, int warmup = 200, int maxOperations = 1_000_000, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(action);
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        var limit = budget ?? TimeSpan.FromSeconds(1);
        var samples = new List<double>(Math.Min(maxOperations, 100_000));
        GC.Collect();
        var allocBefore = GC.GetAllocatedBytesForCurrentThread();
        var total = Stopwatch.StartNew();
        while (total.Elapsed < limit && samples.Count < maxOperations)
        {
            // Fast operations are timed in batches: the clock here ticks every 100 ns.
            var start = Stopwatch.GetTimestamp();
            for (var b = 0; b < batch; b++)
            {
                action();
            }

            samples.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / batch);
        }

        _ = allocBefore;

        // Allocation is measured in a second loop that records nothing, so the sample list does not count.
        var allocOps = Math.Min(samples.Count, 10_000);
        var allocStart = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < allocOps; i++)
        {
            action();
        }

        var alloc = (GC.GetAllocatedBytesForCurrentThread() - allocStart) * samples.Count / Math.Max(1, allocOps);
        samples.Sort();
        return new Timing(
            samples.Average(),
            Percentile(samples, 0.50),
            Percentile(samples, 0.95),
            Percentile(samples, 0.99),
            (double)alloc / samples.Count,
            samples.Count);
    }

    /// <summary>
    /// Times a baseline and a candidate side by side: each sample is a batch of one immediately followed by a batch of
    /// the other, so both see the same machine (on a shared 2-core VM, separate runs differ by up to 2x).
    /// </summary>
    public static (Timing Baseline, Timing Candidate) Pair(Action baseline, Action candidate, TimeSpan budget, int warmup = 2000, int batch = 10)
    {
        var timings = Side([baseline, candidate], budget, warmup, batch);
        return (timings[0], timings[1]);
    }

    /// <summary>
    /// Times several actions side by side, in rounds: each round runs a batch of each in turn, so every action sees the
    /// same machine; stops after <paramref name="budget"/> or <paramref name="maxRounds"/> rounds.
    /// </summary>
    public static Timing[] Side(IReadOnlyList<Action> actions, TimeSpan budget, int warmup, int batch = 1, int maxRounds = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(actions);
        for (var i = 0; i < warmup; i++)
        {
            foreach (var action in actions)
            {
                action();
            }
        }

        var samples = actions.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        for (var round = 0; round < maxRounds && total.Elapsed < budget; round++)
        {
            for (var i = 0; i < actions.Count; i++)
            {
                samples[i].Add(Batch(actions[i], batch));
            }
        }

        return samples.Select(s =>
        {
            s.Sort();
            return new Timing(s.Average(), Percentile(s, 0.50), Percentile(s, 0.95), Percentile(s, 0.99), 0, s.Count);
        }).ToArray();
    }

    private static double Batch(Action action, int batch)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < batch; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / batch;
    }

    /// <summary>Formats nanoseconds with a readable unit.</summary>
    public static string Duration(double ns) => ns < 0 ? "-" + Duration(-ns) : ns switch
    {
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:0.00} µs"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000:0.00} s"),
    };

    /// <summary>Formats a ratio of a case to its baseline, as "N.Nx faster" or "N.Nx slower".</summary>
    public static string Ratio(double caseNs, double baselineNs) => caseNs <= baselineNs
        ? string.Create(CultureInfo.InvariantCulture, $"{baselineNs / caseNs:0.0}x faster")
        : string.Create(CultureInfo.InvariantCulture, $"{caseNs / baselineNs:0.0}x slower");

    /// <summary>Formats bytes.</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024):0.0} MB"),
    };

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
}
