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

    /// <summary>The worker's exit code, or -1 while it runs.</summary>
    public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

    /// <summary>CPU time the worker has used so far, with its children (under bubblewrap the runtime is a grandchild).</summary>
    public TimeSpan CpuTime => TimeSpan.FromSeconds(Activity().Ticks / ClockTicksPerSecond);

    /// <summary>USER_HZ: the unit of the CPU times in /proc (100 on every Linux the runtime supports).</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>
    /// The CPU ticks (utime + stime) of the worker's whole process tree and whether any of its threads is running or
    /// runnable right now, read from /proc: the operating system's view, which nothing inside the worker can hide.
    /// </summary>
    public (double Ticks, bool Running) Activity()
    {
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                return (_process.TotalProcessorTime.TotalSeconds * ClockTicksPerSecond, false);
            }

            var running = false;
            return (TreeTicks(_process.Id, ref running), running);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, false);
        }
    }

    private static double TreeTicks(int pid, ref bool running)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = double.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            if (File.Exists(Path.Combine(task, "stat")) && File.ReadAllText(Path.Combine(task, "stat")) is var taskStat && taskStat[(taskStat.LastIndexOf(')') + 2)..].StartsWith('R'))
            {
                running = true;
            }

            var children = File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")) : string.Empty;
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                ticks += TreeTicks(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture), ref running);
            }
        }

        return ticks;
    }

    /// <summary>The run this worker served last, and its CPU ticks when it went idle (see <see cref="MarkIdle"/>).</summary>
    public (string Run, double Ticks)? Idle { get; private set; }

    /// <summary>Records that the worker goes idle after serving <paramref name="run"/>.</summary>
    public void MarkIdle(string run) => Idle = (run, Activity().Ticks);

    /// <summary>
    /// Why an idle worker must not be reused: one of its threads is running, or its process tree used more than
    /// <paramref name="allowanceTicks"/> of CPU since it went idle (a script left work behind that nothing in the
    /// worker counted). Null when it was quiet.
    /// </summary>
    public string? IdleActivity(double allowanceTicks)
    {
        if (Idle is not { } idle)
        {
            return null;
        }

        var (ticks, running) = Activity();
        return running ? "a thread was still running while the worker was idle"
            : ticks - idle.Ticks > allowanceTicks ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"it used {(ticks - idle.Ticks) * 10} ms of CPU while idle")
            : null;
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
