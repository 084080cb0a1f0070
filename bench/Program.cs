using System.Globalization;
using BenchmarkDotNet.Running;
using Secrets.Runtime.Benchmarks;

// Usage:
//   dotnet run -c Release --project bench -- --quick [group...]   quick table (seconds), every group or the named ones
//   dotnet run -c Release --project bench -- [BenchmarkDotNet args] full BenchmarkDotNet run (for example --filter '*Redaction*')
if (args is [ScriptQuickBenchmark.CompilePairArgument])
{
    // The child of the "scripts" group that times both compilers under the compile worker's runtime settings.
    var (baseline, ours) = ScriptQuickBenchmark.ComparePair();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{baseline} {ours}"));
    return 0;
}

if (args is [RedactionQuickBenchmark.ChildArgument, var mode, var file])
{
    // The children of the "redaction" group's start-up row: read the values only, or read them and start masking.
    Console.WriteLine(RedactionQuickBenchmark.Child(mode, file));
    return 0;
}

if (args.Length > 0 && args[0] == "--quick")
{
    var filters = args.Skip(1).ToArray();
    var groups = typeof(IQuickBenchmark).Assembly.GetTypes()
        .Where(t => typeof(IQuickBenchmark).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
        .Select(t => (IQuickBenchmark)Activator.CreateInstance(t)!)
        .Where(g => filters.Length == 0 || filters.Any(f => g.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
        .OrderBy(g => g.Name, StringComparer.Ordinal)
        .ToList();

    var rows = new List<QuickRow>();
    foreach (var group in groups)
    {
        Console.Error.WriteLine($"running {group.Name} ...");
        rows.AddRange(group.Run());
    }

    string[] header = ["group", "case", "value", "vs baseline", "target"];
    var table = rows.Select(r => new[] { r.Group, r.Case, r.Value, r.Ratio, r.Target }).Prepend(header).ToList();
    var widths = Enumerable.Range(0, header.Length).Select(i => table.Max(r => r[i].Length)).ToArray();
    foreach (var (r, index) in table.Select((r, i) => (r, i)))
    {
        Console.WriteLine("| " + string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))) + " |");
        if (index == 0)
        {
            Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        }
    }

    // The load average says how much else the shared machine was doing while the rows were measured.
    var load = File.Exists("/proc/loadavg") ? ", load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : string.Empty;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}{load}"));
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(IQuickBenchmark).Assembly).Run(args);
return 0;
