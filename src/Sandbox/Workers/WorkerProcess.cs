// RS0030 (banned API) is off for this file by design: child processes start here and only here, and the launcher finds
// its programs on PATH (eng/banned, docs/ARCHITECTURE.md "Guard-rails").
#pragma warning disable RS0030
using System.Diagnostics;
using System.Text;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// One worker process and its side of the pipe protocol: one JSON document per line in each direction. The worker
/// announces itself with a first line once it is warm; stderr is drained in the background (only its tail is kept)
/// so a crashing worker never blocks on a full pipe.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int ErrorTailChars = 4096;
    private readonly Process _process;
    private readonly StreamReader _output;
    private readonly StringBuilder _errors = new();
    private readonly char[] _buffer = new char[16 * 1024];
    private int _start;
    private int _end;
    private bool _ready;

    private WorkerProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
                if (_errors.Length > ErrorTailChars)
                {
                    _errors.Remove(0, _errors.Length - ErrorTailChars);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>Images (by cache key) this worker already holds, so they are sent once per worker.</summary>
    public HashSet<string> Images { get; } = new(StringComparer.Ordinal);

    /// <summary>True once the worker has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The id of the process started (bubblewrap's, when sandboxed), for tests that kill it from outside.</summary>
    internal int ProcessId => _process.Id;

    /// <summary>The worker's exit code, or -1 while it runs.</summary>
    public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

    /// <summary>
    /// CPU time the worker's process tree has used so far (under bubblewrap the runtime is a grandchild), with the threads
    /// that have ended: each process's own CPU clock, to the nanosecond.
    /// </summary>
    public TimeSpan CpuTime => Measure(threads: false).Whole;

    /// <summary>
    /// Reads a process's CPU clock (<see cref="CpuClock.Process"/>); null when it cannot be read, and then that process
    /// is counted from /proc/PID/stat instead. Tests replace it to take the clock away.
    /// </summary>
    internal Func<int, TimeSpan?> ProcessClock { get; set; } = CpuClock.Process;

    /// <summary>
    /// The run this worker served last, with the CPU time of its process tree (<see cref="Measure"/>: its live threads and
    /// its whole processes) and the time when it went idle.
    /// </summary>
    public (string Run, TimeSpan Live, TimeSpan Whole, long Timestamp)? Idle { get; private set; }

    /// <summary>Records that the worker goes idle after serving <paramref name="run"/>.</summary>
    public void MarkIdle(string run)
    {
        var (live, whole) = Measure(threads: true);
        Idle = (run, live, whole, Stopwatch.GetTimestamp());
    }

    /// <summary>How long a thread found runnable is watched at most before an idle worker is judged busy anyway.</summary>
    internal static readonly TimeSpan RunnableBound = TimeSpan.FromMilliseconds(100);

    /// <summary>CPU a thread may gain while it stays runnable at every look before it counts as a loop left behind.</summary>
    internal static readonly TimeSpan RunnableCpu = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Why an idle worker must not be reused, judged from the kernel's accounting in /proc, not from anything the worker
    /// says. Null when it was quiet. Two rules:
    /// <list type="bullet">
    /// <item>its process tree was on a CPU for more than <paramref name="floor"/> plus <paramref name="share"/> of the
    /// time it was idle, threads that ended included (a worker waiting on its pipe uses none; the runtime's own
    /// background compilation a few milliseconds);</item>
    /// <item>a thread of it that is running or waiting for a CPU stays so at every look, about 2 ms apart, until it has
    /// gained <see cref="RunnableCpu"/> on a CPU: a loop left behind, which started too late for the first rule. A
    /// runtime thread that only waited for a CPU on a busy machine does its short work and sleeps, so it leaves the
    /// watch; one still runnable after <see cref="RunnableBound"/> is judged busy, so a machine too starved to show
    /// either fails closed.</item>
    /// </list>
    /// </summary>
    public async Task<string?> IdleActivityAsync(TimeSpan floor, double share)
    {
        if (Idle is not { } idle)
        {
            return null;
        }

        // A live thread's schedstat forgets it once the thread ends, so a worker that burns CPU in short-lived threads
        // would hide from the live count; the process clocks keep what ended threads used. The larger of the two counts,
        // so a clock that cannot be read leaves the live count, never less.
        var watched = new Dictionary<string, long>(StringComparer.Ordinal);
        var (live, whole) = Measure(threads: true, watched);
        var used = live - idle.Live;
        if (whole - idle.Whole > used)
        {
            used = whole - idle.Whole;
        }

        var idleFor = Stopwatch.GetElapsedTime(idle.Timestamp);
        if (used > floor + (idleFor * share))
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"it was on a CPU for {used.TotalMilliseconds:0} ms of the {idleFor.TotalMilliseconds:0} ms it was idle");
        }

        var since = Stopwatch.GetTimestamp();
        while (watched.Count > 0)
        {
            if (Stopwatch.GetElapsedTime(since) >= RunnableBound)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"a thread of it stayed runnable for {RunnableBound.TotalMilliseconds:0} ms while it was idle");
            }

            await Task.Delay(2).ConfigureAwait(false);
            var now = new Dictionary<string, long>(StringComparer.Ordinal);
            Measure(threads: true, now, clocks: false);
            foreach (var (task, first) in watched)
            {
                if (!now.TryGetValue(task, out var cpu))
                {
                    watched.Remove(task);
                }
                else if (TimeSpan.FromTicks((cpu - first) / 100) >= RunnableCpu)
                {
                    return "a thread of it kept running while it was idle";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Time the worker's process tree has spent on a CPU, counted two ways: the sum of its processes' CPU clocks (with
    /// the threads that ended), and with <paramref name="threads"/> the sum of its live threads' schedstat (zero
    /// without: the CPU watchdog, polling during every run, needs only the clocks). Adds the threads that are running
    /// or runnable to <paramref name="running"/>, each with its own time on a CPU in nanoseconds. Without
    /// <paramref name="clocks"/> the processes' clocks are not read (the whole count is then zero).
    /// </summary>
    private (TimeSpan Live, TimeSpan Whole) Measure(bool threads, Dictionary<string, long>? running = null, bool clocks = true)
    {
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                return (_process.TotalProcessorTime, _process.TotalProcessorTime);
            }

            long live = 0;
            var whole = TimeSpan.Zero;
            Walk(_process.Id, threads, clocks, running, ref live, ref whole);
            return (TimeSpan.FromTicks(live / 100), whole);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException)
        {
            return (TimeSpan.Zero, TimeSpan.Zero);
        }
    }

    private void Walk(int pid, bool threads, bool clocks, Dictionary<string, long>? running, ref long live, ref TimeSpan whole)
    {
        Span<byte> buffer = stackalloc byte[1024];
        if (clocks)
        {
            // A clock that cannot be read falls back to the kernel's tick counts, which also keep ended threads' time (to
            // 10 ms), so neither the watchdog nor the idle check goes blind.
            whole += ProcessClock(pid) ?? StatTime(pid, buffer);
        }

        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (threads)
                {
                    live += OnCpu(task, buffer, running);
                }

                // children: pids, space-separated.
                var children = ProcFile.Read(Path.Combine(task, "children"), buffer);
                while (!children.IsEmpty)
                {
                    var end = children.IndexOf((byte)' ');
                    var child = end < 0 ? children : children[..end];
                    children = end < 0 ? [] : children[(end + 1)..];
                    if (!child.Trim((byte)'\n').IsEmpty)
                    {
                        Walk(int.Parse(child, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture), threads, clocks, running, ref live, ref whole);
                    }
                }
            }
            catch (IOException)
            {
                // A thread that ended while we looked.
            }
        }
    }

    /// <summary>USER_HZ: the unit of the CPU times in /proc/PID/stat (100 on every Linux the runtime supports).</summary>
    private const long ClockTicksPerSecond = 100;

    /// <summary>
    /// utime + stime of process <paramref name="pid"/> from /proc/PID/stat, every thread it ever had included, to the tick.
    /// </summary>
    internal static TimeSpan StatTime(int pid, Span<byte> buffer)
    {
        // Fields after the command's closing parenthesis start at the state (field 3); utime and stime are fields 14 and 15.
        var stat = ProcFile.Read($"/proc/{pid}/stat", buffer);
        var fields = stat[(stat.LastIndexOf((byte)')') + 2)..];
        long ticks = 0;
        for (var field = 3; field <= 15 && !fields.IsEmpty; field++)
        {
            var end = fields.IndexOf((byte)' ');
            var value = end < 0 ? fields : fields[..end];
            if (field >= 14)
            {
                ticks += long.Parse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);
            }

            fields = end < 0 ? [] : fields[(end + 1)..];
        }

        return TimeSpan.FromTicks(ticks * (TimeSpan.TicksPerSecond / ClockTicksPerSecond));
    }

    /// <summary>
    /// A thread's time on a CPU in nanoseconds; the thread is added to <paramref name="running"/> with that time when it
    /// is running or runnable.
    /// </summary>
    private static long OnCpu(string task, Span<byte> buffer, Dictionary<string, long>? running)
    {
        // schedstat: time on a CPU (ns), time waiting for one, timeslices; stat: the state follows the command's closing
        // parenthesis (the command may hold spaces and parentheses).
        var schedstat = ProcFile.Read(Path.Combine(task, "schedstat"), buffer);
        var space = schedstat.IndexOf((byte)' ');
        var onCpu = long.Parse(space < 0 ? schedstat : schedstat[..space], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);
        if (running is not null)
        {
            var stat = ProcFile.Read(Path.Combine(task, "stat"), buffer);
            var state = stat.LastIndexOf((byte)')') + 2;
            if (state < stat.Length && stat[state] == (byte)'R')
            {
                running[task] = onCpu;
            }
        }

        return onCpu;
    }

    /// <summary>The last lines the worker wrote to stderr.</summary>
    public string ErrorTail
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts a worker.</summary>
    public static WorkerProcess Start(ProcessStartInfo info) =>
        new(Process.Start(info) ?? throw new InvalidOperationException("could not start the worker"));

    /// <summary>Waits for the worker's first line (it is warm); the wait does not count against any run's limits.</summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return true;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            _ready = await ReadLineAsync(1024, cts.Token).ConfigureAwait(false) is not null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _ready = false;
        }

        return _ready;
    }

    /// <summary>Writes one line.</summary>
    public async Task SendAsync(string line, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteAsync((line + "\n").AsMemory(), cancellationToken).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one line of at most <paramref name="maxChars"/>; null when the worker closed its output.</summary>
    /// <exception cref="InvalidDataException">The line is longer than <paramref name="maxChars"/>.</exception>
    public async Task<string?> ReadLineAsync(int maxChars, CancellationToken cancellationToken)
    {
        StringBuilder? partial = null;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, '\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = partial is null ? new string(_buffer, _start, newline - _start) : partial.Append(_buffer, _start, newline - _start).ToString();
                _start = newline + 1;
                return line.Length <= maxChars ? line : throw new InvalidDataException("line too long");
            }

            partial ??= new StringBuilder();
            partial.Append(_buffer, _start, _end - _start);
            if (partial.Length > maxChars)
            {
                throw new InvalidDataException("line too long");
            }

            _start = 0;
            _end = await _output.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (_end == 0)
            {
                return null;
            }
        }
    }

    /// <summary>Kills the worker and everything it started.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Waits (briefly) for the worker to exit, so its exit code and stderr are complete.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
