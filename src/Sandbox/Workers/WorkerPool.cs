using System.Collections.Concurrent;
using System.Text;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The execution workers of one runner. A worker is reused only by the same tenant, principal, credentials (aliases
/// and values) and heap it last served (<see cref="WorkerPoolKey"/>), only after a successful run, and only when the
/// operating system saw it quiet while idle; a worker found busy while idle is killed and its run reported. One spare,
/// never-used worker per heap size waits warm.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private const int MaxIdlePerTenant = 2;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// CPU an idle worker may use before it is judged to be running left-over work: 20 ms plus a quarter of the time
    /// it was idle. The runtime's own background work after a run (tiered compilation, a collection) stays under it;
    /// a loop left running uses all of the time it is given.
    /// </summary>
    private static readonly TimeSpan IdleCpuFloor = TimeSpan.FromMilliseconds(20);

    private const double IdleCpuShare = 0.25;
    private readonly Func<long, WorkerProcess> _start;
    private readonly bool _reuse;
    private readonly Action<WorkerIncident> _incident;
    private readonly ConcurrentDictionary<WorkerPoolKey, ConcurrentQueue<WorkerProcess>> _warm = new();
    private readonly ConcurrentDictionary<long, WorkerProcess> _spares = new();
    private readonly byte[] _poolSalt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private int _idleIncidents;
    private bool _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="start">Starts a worker with a heap limit.</param>
    /// <param name="reuse">False: every worker serves one run.</param>
    /// <param name="incident">Told when an idle worker is killed for using CPU.</param>
    public WorkerPool(Func<long, WorkerProcess> start, bool reuse, Action<WorkerIncident> incident)
    {
        _start = start;
        _reuse = reuse;
        _incident = incident;
    }

    /// <summary>How many execution worker processes the pool holds (idle and spare).</summary>
    public int WorkerCount => _warm.Values.Sum(q => q.Count(w => !w.HasExited)) + _spares.Values.Count(w => !w.HasExited);

    /// <summary>How many idle workers a tenant has.</summary>
    public int IdleWorkers(string tenant) => _warm.Where(p => p.Key.Tenant == tenant).Sum(p => p.Value.Count(w => !w.HasExited));

    /// <summary>How many idle workers were killed for using CPU while idle.</summary>
    public int IdleIncidents => Volatile.Read(ref _idleIncidents);

    /// <summary>The pool a run's worker comes from and goes back to.</summary>
    public WorkerPoolKey Key(string tenant, string principal, IReadOnlyDictionary<string, string> secrets, long heap) =>
        new(tenant, principal, CredentialFingerprint(secrets), heap);

    /// <summary>
    /// An idle worker of this pool (same tenant, principal, credentials and heap) that stayed quiet while idle, else
    /// the spare (a new spare starts behind it), else a new worker; ready.
    /// </summary>
    public async Task<WorkerProcess?> TakeAsync(WorkerPoolKey pool, CancellationToken cancellationToken)
    {
        var queue = _warm.GetOrAdd(pool, _ => new ConcurrentQueue<WorkerProcess>());
        while (queue.TryDequeue(out var idle))
        {
            if (!idle.HasExited && await idle.IdleActivityAsync(IdleCpuFloor, IdleCpuShare).ConfigureAwait(false) is { } activity)
            {
                Interlocked.Increment(ref _idleIncidents);
                _incident(new WorkerIncident(idle.Idle!.Value.Run, $"the worker that ran {idle.Idle!.Value.Run} was killed: {activity}"));
                idle.Dispose();
                continue;
            }

            if (!idle.HasExited)
            {
                return idle;
            }

            idle.Dispose();
        }

        var worker = _spares.TryRemove(pool.Heap, out var spare) && !spare.HasExited ? spare : Start(pool.Heap);
        Spare(pool.Heap);

        // A worker that fails to start (a transient fork or namespace failure) gets one replacement.
        for (var attempt = 0; attempt < 2; attempt++, worker = Start(pool.Heap))
        {
            if (await worker.WaitReadyAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
            {
                return worker;
            }

            worker.Dispose();
        }

        return null;
    }

    /// <summary>Keeps a worker for its pool after a successful run; kills it otherwise.</summary>
    public void Return(WorkerProcess worker, WorkerPoolKey pool, string run, bool reusable)
    {
        var queue = _warm.GetOrAdd(pool, _ => new ConcurrentQueue<WorkerProcess>());
        if (reusable && _reuse && !_disposed && !worker.HasExited && queue.Count < MaxIdlePerTenant)
        {
            worker.MarkIdle(run);
            queue.Enqueue(worker);
            return;
        }

        worker.Dispose();
    }

    /// <summary>Makes sure one never-used worker with this heap limit is starting or waiting.</summary>
    public void Spare(long heap)
    {
        if (_disposed)
        {
            return;
        }

        var added = _spares.GetOrAdd(heap, h => Start(h));
        if (added.HasExited)
        {
            _spares.TryRemove(KeyValuePair.Create(heap, added));
            added.Dispose();
        }
    }

    /// <summary>Kills the idle and spare workers.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var queue in _warm.Values)
        {
            while (queue.TryDequeue(out var idle))
            {
                idle.Dispose();
            }
        }

        foreach (var spare in _spares.Values)
        {
            spare.Dispose();
        }
    }

    private WorkerProcess Start(long heap) => _start(heap);

    /// <summary>
    /// A keyed hash of the run's credentials (alias and value of each, length-prefixed, in order of alias): equal only
    /// for exactly the same credentials. The key is this runner's own random salt, so the hash says nothing outside it.
    /// </summary>
    private string CredentialFingerprint(IReadOnlyDictionary<string, string> secrets)
    {
        if (secrets.Count == 0)
        {
            return string.Empty;
        }

        using var hmac = System.Security.Cryptography.IncrementalHash.CreateHMAC(System.Security.Cryptography.HashAlgorithmName.SHA256, _poolSalt);
        foreach (var (alias, value) in secrets.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var part in (string[])[alias, value])
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                hmac.AppendData(BitConverter.GetBytes(bytes.Length));
                hmac.AppendData(bytes);
            }
        }

        return Convert.ToHexString(hmac.GetHashAndReset());
    }
}
