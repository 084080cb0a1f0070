namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>Kills the worker when the run's CPU time passes the limit; polls every 50 ms, measured from the first poll.</summary>
internal sealed class CpuWatchdog : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly Timer _timer;
    private readonly WorkerProcess _worker;
    private readonly TimeSpan _limit;
    private TimeSpan? _baseline;

    /// <summary>Starts watching <paramref name="worker"/> against <paramref name="limit"/>.</summary>
    public CpuWatchdog(WorkerProcess worker, TimeSpan limit)
    {
        _worker = worker;
        _limit = limit;
        _timer = new Timer(_ => Check(), null, PollInterval, PollInterval);
    }

    /// <summary>True once the watchdog killed the worker: the run ends as a CPU limit, whatever the pipe says.</summary>
    public bool Tripped { get; private set; }

    /// <summary>Stops watching.</summary>
    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var used = _worker.CpuTime;
        _baseline ??= used - PollInterval;
        if (used - _baseline.Value > _limit && !Tripped)
        {
            Tripped = true;
            _worker.Kill();
        }
    }
}
