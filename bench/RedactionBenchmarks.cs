using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Redaction.Tests.Corpus;

namespace Secrets.Runtime.Benchmarks;

/// <summary>Streaming 8 MB of logs with every form of 1,000 values through <see cref="RedactingStream"/>, against one string.Replace per form.</summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private RedactionWorkload _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new RedactionWorkload(1000, 8 << 20);

    [Benchmark(Baseline = true, Description = "string.Replace once per form, 256 KB")]
    public string ReplaceLoop() => _work.ReplaceLoop();

    [Benchmark(Description = "RedactingStream, 8 MB")]
    public long Stream() => _work.StreamAll(_work.Planted);
}

/// <summary>1,000 generated values, log text with a value planted in a form of every family every ~4 KB, and the per-form baseline.</summary>
public sealed class RedactionWorkload
{
    public const string Mask = "\u2588MASK\u2588";

    public RedactionWorkload(int values, long bytes)
    {
        Values = GeneratedSecrets.Generate(seed: 7, count: values);
        Redactor = new SecretRedactor(new RedactionOptions { Mask = Mask });
        Redactor.AddRange(Values.Select(v => new RedactionValue(v)));
        Forms = Values.SelectMany(v => ToolForms.Families.SelectMany(f => ToolForms.Of(v, f))).Where(f => f.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        (Planted, PlantedCount) = Chunks(bytes, plant: true);
        var slice = Encoding.UTF8.GetString(Planted[0]);
        while (slice.Length < 256 * 1024)
        {
            slice += Encoding.UTF8.GetString(Planted[slice.Length / Planted[0].Length % Planted.Count]);
        }

        Slice = slice[..(256 * 1024)];
    }

    public SecretRedactor Redactor { get; }

    public List<string> Values { get; }

    /// <summary>Every form of every value, as <see cref="ToolForms"/> builds them: what a per-form masker must replace.</summary>
    public List<string> Forms { get; }

    /// <summary>UTF-8 chunks of about 64 KB with planted values.</summary>
    public List<byte[]> Planted { get; }

    public int PlantedCount { get; }

    /// <summary>256 KB of the planted text, for the baseline.</summary>
    public string Slice { get; }

    public long Bytes(List<byte[]> chunks) => chunks.Sum(c => (long)c.Length);

    /// <summary>UTF-8 chunks of ordinary logs, about 64 KB each, optionally with a planted form every ~4 KB; and how many were planted.</summary>
    public (List<byte[]> Chunks, int Planted) Chunks(long bytes, bool plant)
    {
        var chunks = new List<byte[]>();
        var planted = 0;
        long total = 0;
        foreach (var chunk in OrdinaryLogs.Chunks(seed: 11))
        {
            var text = chunk;
            if (plant)
            {
                var sb = new StringBuilder(chunk.Length + 4096);
                var lines = chunk.Split('\n');
                for (var i = 0; i < lines.Length - 1; i++)
                {
                    sb.Append(lines[i]).Append('\n');
                    if (i % 24 == 23)
                    {
                        var value = Values[planted * 31 % Values.Count];
                        var family = ToolForms.Families[planted % ToolForms.Families.Length];
                        var forms = ToolForms.Of(value, family);
                        sb.Append("planted ").Append(forms[planted / ToolForms.Families.Length % forms.Count]).Append(" end\n");
                        planted++;
                    }
                }

                text = sb.ToString();
            }

            var encoded = Encoding.UTF8.GetBytes(text);
            chunks.Add(encoded);
            total += encoded.Length;
            if (total >= bytes)
            {
                return (chunks, planted);
            }
        }

        return (chunks, planted);
    }

    /// <summary>Writes every chunk through a <see cref="RedactingStream"/>, as <c>redact</c> and a child's stdout do; returns the masks written.</summary>
    public long StreamAll(List<byte[]> chunks)
    {
        var counter = new MaskCountingStream(Mask);
        using (var stream = new RedactingStream(counter, Redactor, leaveOpen: true))
        {
            foreach (var chunk in chunks)
            {
                stream.Write(chunk);
            }
        }

        return counter.Masks;
    }

    public string ReplaceLoop()
    {
        var text = Slice;
        foreach (var form in Forms)
        {
            text = text.Replace(form, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>A sink that counts the masks in the UTF-8 it receives (a mask split across writes included).</summary>
    public sealed class MaskCountingStream(string mask) : Stream
    {
        private readonly byte[] _mask = Encoding.UTF8.GetBytes(mask);
        private readonly byte[] _carry = new byte[Encoding.UTF8.GetByteCount(mask) - 1];
        private int _carried;

        public long Masks { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get => 0; set { } }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_carried > 0)
            {
                var joined = _carry.AsSpan(0, _carried).ToArray().Concat(buffer[..Math.Min(buffer.Length, _mask.Length)].ToArray()).ToArray();
                Masks += joined.AsSpan().IndexOf(_mask) is >= 0 and var at && at < _carried ? 1 : 0;
            }

            for (var rest = buffer; rest.IndexOf(_mask) is >= 0 and var at; rest = rest[(at + _mask.Length)..])
            {
                Masks++;
            }

            _carried = Math.Min(_carry.Length, buffer.Length);
            buffer[^_carried..].CopyTo(_carry);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Quick table for redaction: the rows issue 14 asks for, each beside its baseline from the same run.</summary>
public sealed class RedactionQuickBenchmark : IQuickBenchmark
{
    public const string ChildArgument = "--redaction-child";

    private const long StreamBytes = 200L << 20;

    public string Name => "redaction";

    /// <summary>The child process of the start-up row: <c>read</c> parses the values file; <c>start</c> also registers them and masks a first line.</summary>
    public static string Child(string mode, string file)
    {
        var values = JsonSerializer.Deserialize<string[]>(File.ReadAllText(file))!;
        if (mode == "read")
        {
            return values.Length.ToString(CultureInfo.InvariantCulture);
        }

        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        using var output = new StringWriter();
        using (var writer = new RedactingTextWriter(output, redactor, leaveOpen: true))
        {
            writer.Write($"first line {values[0]}\n");
        }

        return output.ToString().Trim();
    }

    public IEnumerable<QuickRow> Run()
    {
        var rows = new List<QuickRow>();
        rows.AddRange(StartUp());
        rows.AddRange(AddOne());
        rows.AddRange(Throughput());
        rows.AddRange(Event());
        rows.AddRange(Memory());
        return rows;
    }

    private List<QuickRow> StartUp()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, JsonSerializer.Serialize(GeneratedSecrets.Generate(seed: 7, count: 1000)));
            var read = new List<double>();
            var start = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                read.Add(ChildProcess("read", file));
                start.Add(ChildProcess("start", file));
            }

            var readMedian = read.Order().ElementAt(2);
            var startMedian = start.Order().ElementAt(2);
            return
            [
                new QuickRow(Name, "process that reads 1,000 values (JSON), median of 5 (baseline)", QuickMeasure.Duration(readMedian)),
                new QuickRow(Name, "process that reads them, registers them (AddRange) and masks a first line", QuickMeasure.Duration(startMedian), string.Create(CultureInfo.InvariantCulture, $"{startMedian / readMedian:0.00}x"), "≤5x"),
            ];
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static double ChildProcess(string mode, string file)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("dotnet", [typeof(RedactionQuickBenchmark).Assembly.Location, ChildArgument, mode, file]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || (mode == "start" && !output.Contains("***", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"redaction child {mode} failed ({process.ExitCode})");
        }

        return clock.Elapsed.TotalNanoseconds;
    }

    private List<QuickRow> AddOne()
    {
        var values = GeneratedSecrets.Generate(seed: 8, count: 11_000);
        var redactor = new SecretRedactor();
        var batch = Stopwatch.StartNew();
        redactor.AddRange(values.Take(10_000).Select(v => new RedactionValue(v)));
        var batchNs = batch.Elapsed.TotalNanoseconds;
        var next = 10_000;
        var add = QuickMeasure.Time(() => redactor.Add(values[next++]), TimeSpan.FromSeconds(10), warmup: 20, maxOperations: 450);
        redactor.WhenMergedAsync().GetAwaiter().GetResult();
        return
        [
            new QuickRow(Name, "register 10,000 values in one batch (AddRange)", QuickMeasure.Duration(batchNs)),
            new QuickRow(Name, $"add one value with 10,000 registered, p50 / p99 of {add.Operations}", $"{QuickMeasure.Duration(add.P50Ns)} / {QuickMeasure.Duration(add.P99Ns)}", string.Empty, "p99 ≤5 ms"),
        ];
    }

    private List<QuickRow> Throughput()
    {
        var work = new RedactionWorkload(1000, StreamBytes);
        var bytes = work.Bytes(work.Planted);
        var masks = 0L;
        work.StreamAll(work.Planted.Take(16).ToList());
        var (streamNs, streamCpuNs) = WallAndCpu(() => masks = work.StreamAll(work.Planted));

        // The same stream again: the first pass includes the JIT's tiering of the whole path (its first ~40 MB run at a
        // fraction of the speed of the rest), which a long-running host pays once and a `redact` process on every run.
        var warmMasks = 0L;
        var (warmNs, warmCpuNs) = WallAndCpu(() => warmMasks = work.StreamAll(work.Planted));
        var (replaceNs, replaceCpuNs) = WallAndCpu(() => work.ReplaceLoop());
        var streamMbps = bytes / 1e6 / (streamNs / 1e9);
        var replaceMbps = Encoding.UTF8.GetByteCount(work.Slice) / 1e6 / (replaceNs / 1e9);
        var streamCpuMbps = bytes / 1e6 / (streamCpuNs / 1e9);
        var warmMbps = bytes / 1e6 / (warmNs / 1e9);
        var warmCpuMbps = bytes / 1e6 / (warmCpuNs / 1e9);
        var replaceCpuMbps = Encoding.UTF8.GetByteCount(work.Slice) / 1e6 / (replaceCpuNs / 1e9);
        var (ordinary, _) = work.Chunks(StreamBytes, plant: false);
        var falseMasks = work.StreamAll(ordinary);
        var cli = CliProcess(work, bytes, replaceMbps);
        return
        [
            new QuickRow(Name, $"string.Replace once per form ({work.Forms.Count:N0} forms of 1,000 values), 256 KB in memory (baseline)", string.Create(CultureInfo.InvariantCulture, $"{replaceMbps:0.0} MB/s ({replaceCpuMbps:0.0} per CPU-second)")),
            new QuickRow(Name, $"RedactingStream, {bytes / 1e6:0} MB of logs with a value in a form of every family every ~4 KB, 1,000 values", string.Create(CultureInfo.InvariantCulture, $"{streamMbps:0} MB/s ({streamCpuMbps:0} per CPU-second); {masks:N0} masks for {work.PlantedCount:N0} planted values (a form may hold two)"), string.Create(CultureInfo.InvariantCulture, $"{streamMbps / replaceMbps:0}x faster"), "≥300 MB/s, ≥30x"),
            new QuickRow(Name, "the same stream again in the same process (JIT tiering done)", string.Create(CultureInfo.InvariantCulture, $"{warmMbps:0} MB/s ({warmCpuMbps:0} per CPU-second); {warmMasks:N0} masks"), string.Create(CultureInfo.InvariantCulture, $"{warmMbps / replaceMbps:0}x faster"), "≥300 MB/s, ≥30x"),
            new QuickRow(Name, $"precision guard: {work.Bytes(ordinary) / 1e6:0} MB of ordinary logs, 1,000 values", $"{falseMasks} masks", string.Empty, "0"),
            cli,
        ];
    }

    /// <summary>How many times the <c>redact</c> process runs for its row (the median is given).</summary>
    private const int CliRuns = 5;

    /// <summary>
    /// The path the issue measured: a <c>secrets-runtime redact --values-json</c> process (the CLI the cli rows use)
    /// reading the same logs from a file on stdin and writing a file (`redact < logs.txt > masked.txt`); process start
    /// to exit, so it includes start-up and registering the values. Beside it, the masks the library writes for the
    /// same bytes in 64 KB blocks (the reads the command makes), which it must equal.
    /// </summary>
    private QuickRow CliProcess(RedactionWorkload work, long bytes, double replaceMbps)
    {
        var label = $"`secrets-runtime redact` process, `< logs.txt > masked.txt` of the same logs, 1,000 values (start to exit), median of {CliRuns}";
        if (CliStartQuickBenchmark.FindCli() is not { } cli)
        {
            return new QuickRow(Name, label, "n/a (build src/Cli -c Release, or set SECRETS_RUNTIME_CLI)");
        }

        var folder = Directory.CreateTempSubdirectory("bench-redact-").FullName;
        try
        {
            var input = Path.Combine(folder, "logs.txt");
            var values = Path.Combine(folder, "values.json");
            using (var file = File.Create(input))
            {
                work.Planted.ForEach(chunk => file.Write(chunk));
            }

            File.WriteAllText(values, JsonSerializer.Serialize(work.Values));
            var library = new RedactionWorkload.MaskCountingStream("***");
            var redactor = new SecretRedactor();
            redactor.AddRange(work.Values.Select(v => new RedactionValue(v)));
            using (var stream = new RedactingStream(library, redactor, leaveOpen: true))
            using (var file = File.OpenRead(input))
            {
                file.CopyTo(stream, 64 * 1024);
            }

            // `redact < logs.txt > masked.txt`: the shell opens both files and execs the CLI; the masks are counted after.
            // Single runs of the process vary by up to 2x on this VM (the library rows beside them do not), so the row
            // gives the median of five, each to a new file, with the fastest and slowest.
            var (fileName, arguments) = CliStartQuickBenchmark.Command(cli, ["redact", "--values-json", values]);
            var runs = new List<double>();
            var masks = new HashSet<long>();
            for (var run = 0; run < CliRuns; run++)
            {
                var output = Path.Combine(folder, $"masked-{run}.txt");
                var info = new ProcessStartInfo("/bin/sh", ["-c", "out=\"$1\"; shift; exec \"$@\" < \"$0\" > \"$out\"", input, output, fileName, .. arguments]) { RedirectStandardError = true };
                info.Environment["SECRETS_RUNTIME_HOME"] = folder;
                var clock = Stopwatch.StartNew();
                using var process = Process.Start(info)!;
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                var ns = clock.Elapsed.TotalNanoseconds;
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"secrets-runtime redact exited with {process.ExitCode}: {error}");
                }

                var counter = new RedactionWorkload.MaskCountingStream("***");
                using (var masked = File.OpenRead(output))
                {
                    masked.CopyTo(counter, 64 * 1024);
                }

                File.Delete(output);
                masks.Add(counter.Masks);
                runs.Add(bytes / 1e6 / (ns / 1e9));
            }

            var mbps = runs.Order().ElementAt(CliRuns / 2);
            var counted = masks.Count == 1
                ? string.Create(CultureInfo.InvariantCulture, $"{masks.Single():N0} masks in every run")
                : $"masks differ between runs: {string.Join(", ", masks.Select(m => m.ToString("N0", CultureInfo.InvariantCulture)))}";
            return new QuickRow(Name, label, string.Create(CultureInfo.InvariantCulture, $"{mbps:0} MB/s ({runs.Min():0}-{runs.Max():0}); {counted} (the library over the same bytes: {library.Masks:N0})"), string.Create(CultureInfo.InvariantCulture, $"{mbps / replaceMbps:0}x faster"), "≥300 MB/s, ≥30x");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Wall-clock and process CPU time of one call: on a shared machine the CPU time shows the cost, the wall clock what a user waits.</summary>
    private static (double WallNs, double CpuNs) WallAndCpu(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        action();
        var wallNs = wall.Elapsed.TotalNanoseconds;
        process.Refresh();
        return (wallNs, (process.TotalProcessorTime - cpu).TotalNanoseconds);
    }

    private List<QuickRow> Event()
    {
        const string logLine = "2026-11-24T10:00:00.123Z INF HTTP GET /api/v1/projects/42/items?page=3&size=50 responded 200 in 12.3456 ms for user alice@example.com from 10.0.0.17 (trace 4bf92f3577b34da6a3ce929d0e0e4736)";
        var redactor = new SecretRedactor();
        redactor.AddRange(GeneratedSecrets.Generate(seed: 7, count: 1000).Select(v => new RedactionValue(v)));
        var none = new SecretRedactor();
        var (baseline, ours) = QuickMeasure.Pair(() => none.Redact(logLine), () => redactor.Redact(logLine), TimeSpan.FromSeconds(2), warmup: 5000, batch: 1000);
        var allocation = QuickMeasure.Time(() => redactor.Redact(logLine), TimeSpan.FromMilliseconds(200), warmup: 1000, batch: 100);
        return
        [
            new QuickRow(Name, $"{logLine.Length}-char event, no value registered (baseline)", QuickMeasure.Duration(baseline.P50Ns)),
            new QuickRow(Name, $"{logLine.Length}-char event, no hit, 1,000 values registered", $"{QuickMeasure.Duration(ours.P50Ns)}, {QuickMeasure.Bytes(allocation.AllocatedBytesPerOp)}", QuickMeasure.Ratio(ours.P50Ns, baseline.P50Ns), "≤1.5 µs, 0 B"),
        ];
    }

    private List<QuickRow> Memory()
    {
        const int runs = 100_000;
        var clock = new ManualClock();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var redactor = new SecretRedactor(new RedactionOptions { ReleaseGracePeriod = TimeSpan.FromSeconds(30) }, clock);
        var time = Stopwatch.StartNew();
        for (var run = 0; run < runs; run++)
        {
            using (redactor.Lease([new RedactionValue($"svc-key-{run / 1000:x6}-0123456789"), new RedactionValue($"db-pass-{run / 100:x6}-abcdef"), new RedactionValue($"tok-{run:x8}-zyxw")]))
            {
                redactor.Redact($"a tok-{run:x8}-zyxw b");
            }

            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        var perRun = time.Elapsed.TotalNanoseconds / runs;
        redactor.WhenMergedAsync().GetAwaiter().GetResult();
        var after = GC.GetTotalMemory(forceFullCollection: true) - before;
        var live = redactor.Count;
        var indexed = redactor.Indexed;
        GC.KeepAlive(redactor);

        GC.Collect();
        var freshBefore = GC.GetTotalMemory(forceFullCollection: true);
        var fresh = new SecretRedactor();
        fresh.AddRange(Enumerable.Range(runs - live, live).Select(run => new RedactionValue($"tok-{run:x8}-zyxw")));
        var freshBytes = GC.GetTotalMemory(forceFullCollection: true) - freshBefore;
        GC.KeepAlive(fresh);
        return
        [
            new QuickRow(Name, $"a fresh redactor holding {live} values (baseline)", QuickMeasure.Bytes(freshBytes)),
            new QuickRow(Name, $"after 100,000 runs (3 values each, one new per run; 30 s grace, 100 ms apart): {live} live, {indexed} indexed; {QuickMeasure.Duration(perRun)} a run", QuickMeasure.Bytes(after), string.Create(CultureInfo.InvariantCulture, $"{(double)after / freshBytes:0.0}x"), "only live values"),
        ];
    }

    /// <summary>A clock the memory row moves by hand (release is checked on each registration, so no timer is needed).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
