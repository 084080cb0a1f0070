using Npgsql;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// What this host has cached of a shared database, and how it learns of other hosts' writes: a dedicated LISTEN
/// connection wakes it at once, and it polls the change table by sequence number every half
/// <see cref="StoreOptions.MaxStaleness"/>, so a lost notification or a killed listener cannot hide a change. The cache
/// holds envelopes (never a value in clear) and is used only while the last completed poll started less than
/// <c>MaxStaleness</c> ago; on a reconnect of the listener it is dropped.
/// </summary>
internal sealed class PostgresChangeFeed : IAsyncDisposable
{
    /// <summary>
    /// The owner of a change row that records an access change (a grant or a token revoked): its scope and name are
    /// NULL, so a host that does not know the marker takes it for "everything changed", which is safe.
    /// </summary>
    public const string AccessOwner = "access";

    private readonly PostgresDatabase _database;
    private readonly TimeSpan _maxStaleness;
    private readonly bool _listen;
    private readonly TimeProvider _time;
    private readonly Dictionary<SecretKey, StoredSecret?> _cache = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private long _seen;
    private long _generation;
    private long _accessChanges;
    private long _confirmedAt;
    private int _listenerProcessId;
    private int _disposed;

    public PostgresChangeFeed(PostgresDatabase database, TimeSpan maxStaleness, bool listen, TimeProvider time)
    {
        _database = database;
        _maxStaleness = maxStaleness;
        _listen = listen;
        _time = time;
    }

    /// <summary>The highest change number this host has applied.</summary>
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>The server process id of the LISTEN connection, or 0 while it is down (tests terminate it).</summary>
    public int ListenerProcessId => Volatile.Read(ref _listenerProcessId);

    /// <summary>Whether this feed keeps a LISTEN connection (else it polls only).</summary>
    public bool Listens => _listen;

    /// <summary>How many times the listener connected (the first time included).</summary>
    public int ListenerConnects { get; private set; }

    /// <summary>Reads the current change number and starts listening and polling.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        await using (var command = _database.DataSource.CreateCommand("SELECT seq FROM change_counter"))
        {
            _seen = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        Volatile.Write(ref _confirmedAt, started);
        if (_listen)
        {
            _loops.Add(Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None));
        }

        _loops.Add(Task.Run(() => PollLoopAsync(_stop.Token), CancellationToken.None));
    }

    /// <summary>Whether cached rows may be used now: the last completed poll started within <c>MaxStaleness</c>.</summary>
    public bool IsFresh => _time.GetElapsedTime(Volatile.Read(ref _confirmedAt)) <= _maxStaleness;

    /// <summary>The cached rows of all <paramref name="keys"/> (absent ones left out), or null when any is missing or the cache is stale.</summary>
    public List<StoredSecret>? TryGet(IReadOnlyList<SecretKey> keys)
    {
        if (!IsFresh)
        {
            return null;
        }

        var found = new List<StoredSecret>(keys.Count);
        lock (_lock)
        {
            foreach (var key in keys)
            {
                if (!_cache.TryGetValue(key, out var row))
                {
                    return null;
                }

                if (row is not null)
                {
                    found.Add(row);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// How many access changes and full resets this feed has applied, for remembered authentications; null while the
    /// feed is not fresh (they must not be used then).
    /// </summary>
    public long? AccessMark => IsFresh ? Interlocked.Read(ref _accessChanges) : null;

    /// <summary>The generation to pass to <see cref="Store"/>: taken before reading the database.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Caches what a read found, unless something was forgotten since <paramref name="generation"/> (the read may predate it).</summary>
    public void Store(IReadOnlyList<SecretKey> keys, IReadOnlyList<StoredSecret> rows, long generation)
    {
        lock (_lock)
        {
            if (generation != _generation)
            {
                return;
            }

            foreach (var key in keys)
            {
                _cache[key] = null;
            }

            foreach (var row in rows)
            {
                _cache[row.Key] = row;
            }
        }
    }

    /// <summary>Forgets one key, or everything when null.</summary>
    public void Forget(SecretKey? key)
    {
        lock (_lock)
        {
            _generation++;
            if (key is { } k)
            {
                _cache.Remove(k);
            }
            else
            {
                _cache.Clear();

                // Whatever made this host forget everything (a reconnect, a hole in the changes) may hide an access change.
                Interlocked.Increment(ref _accessChanges);
            }
        }
    }

    /// <summary>Applies every change after <see cref="Seen"/> now; a run given change n calls this when n is not seen yet.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        await _pollGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _time.GetTimestamp();
            var seen = Seen;
            long counter;
            var changes = new List<(long Seq, SecretKey? Key, bool Access)>();
            await using (var batch = _database.DataSource.CreateBatch())
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT seq FROM change_counter"));
                var read = new NpgsqlBatchCommand("SELECT seq, scope, owner, name FROM changes WHERE seq > $1 ORDER BY seq");
                read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seen });
                batch.BatchCommands.Add(read);
                await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                counter = reader.GetInt64(0);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var access = reader.IsDBNull(1) && !reader.IsDBNull(2) && string.Equals(reader.GetString(2), AccessOwner, StringComparison.Ordinal);
                    changes.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null
                        : new SecretKey(SecretScopeText.Parse(reader.GetString(1)), reader.GetString(2), SecretName.Parse(reader.GetString(3))), access));
                }
            }

            // Change numbers are taken under the counter's row lock and so committed in order, one apart: nothing
            // below the highest number read can still appear. A hole right after what this host has seen means the
            // rows were pruned before it polled: it cannot know what changed, so it forgets everything.
            if (counter > seen && (changes.Count == 0 || changes[0].Seq != seen + 1))
            {
                Forget(null);
                Interlocked.Exchange(ref _seen, Math.Max(counter, changes.Count == 0 ? 0 : changes[^1].Seq));
            }

            foreach (var (seq, key, access) in changes)
            {
                if (access)
                {
                    // Users, grants and tokens are not in the cache of envelopes: only remembered authentications end.
                    Interlocked.Increment(ref _accessChanges);
                }
                else
                {
                    Forget(key);
                }

                Interlocked.Exchange(ref _seen, Math.Max(seq, Seen));
            }

            Volatile.Write(ref _confirmedAt, started);
        }
        finally
        {
            _pollGate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // A host's container disposes the store it was handed, and the runtime that owns the store disposes it too.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _pollGate.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A poll is already due.
        }
    }

    private async Task PollLoopAsync(CancellationToken stop)
    {
        var interval = _maxStaleness / 2;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(interval, stop).ConfigureAwait(false);
                await PollAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed poll leaves the cache unconfirmed: reads bypass it once it is older than MaxStaleness.
            catch (Exception)
#pragma warning restore CA1031
            {
                _database.DataSource.Clear();
            }
        }
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        var settings = new NpgsqlConnectionStringBuilder(_database.Settings.ConnectionString)
        {
            Pooling = false,
            ApplicationName = "secrets-runtime-listener",
            KeepAlive = 10,
        };
        var backoff = TimeSpan.FromMilliseconds(50);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(settings.ConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => Wake();
                    await connection.OpenAsync(stop).ConfigureAwait(false);
                    await using (var listen = new NpgsqlCommand("LISTEN " + PostgresDatabase.Channel, connection))
                    {
                        await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                    }

                    // Whatever happened while no one listened: drop the cache and catch up.
                    Forget(null);
                    Wake();
                    ListenerConnects++;
                    Volatile.Write(ref _listenerProcessId, connection.ProcessID);
                    backoff = TimeSpan.FromMilliseconds(50);
                    while (!stop.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The listener never dies: it drops the cache and reconnects.
            catch (Exception)
#pragma warning restore CA1031
            {
                Volatile.Write(ref _listenerProcessId, 0);
                Forget(null);
                try
                {
                    await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxStaleness.Ticks / 4 + 1));
            }
        }
    }
}
