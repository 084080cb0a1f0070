namespace Secrets.Runtime.Benchmarks;

/// <summary>A benchmark group's quick mode: a few seconds of measurement that prints rows beside their baseline.</summary>
public interface IQuickBenchmark
{
    /// <summary>Short group name used by the filter (<c>--quick redaction</c>).</summary>
    string Name { get; }

    /// <summary>Runs the measurements and returns the table rows, baselines included.</summary>
    IEnumerable<QuickRow> Run();
}
