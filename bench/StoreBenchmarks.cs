using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// Decrypt latency (one AES-GCM decrypt is the baseline), then the store on each backend: the read of one secret,
/// the resolution of a run's 100 secrets (one round trip), and a write. PostgreSQL needs
/// <c>SECRETS_RUNTIME_BENCH_DATABASE</c> (else <c>SECRETS_RUNTIME_TEST_DATABASE</c>); <c>eng/pg-test-server</c> starts one.
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private StoreBench _bench = null!;

    /// <summary>sqlite or postgres.</summary>
    [Params("sqlite", "postgres")]
    public string Backend { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        _bench = new StoreBench(Backend == "postgres" ? StoreBench.DatabaseFromEnvironment() ?? throw new InvalidOperationException("set SECRETS_RUNTIME_BENCH_DATABASE") : null);
        _bench.SetUp();
    }

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    [Benchmark(Baseline = true, Description = "AES-GCM decrypt, key in hand")]
    public byte[] RawDecrypt() => _bench.RawDecrypt();

    [Benchmark(Description = "envelope decrypt (unwrap data key + decrypt)")]
    public byte[] EnvelopeDecrypt() => _bench.EnvelopeDecrypt();

    [Benchmark(Description = "store read of one secret (uncached)")]
    public Task<string> StoreRead() => _bench.StoreReadAsync(cached: false);

    [Benchmark(Description = "resolve a run's 100 secrets (one round trip, uncached)")]
    public Task<int> Resolve100() => _bench.Resolve100Async(cached: false);

    [Benchmark(Description = "write of one secret")]
    public Task<int> Write() => _bench.WriteAsync();
}

/// <summary>The work measured by <see cref="StoreBenchmarks"/> and the quick table, on SQLite (database null) or PostgreSQL.</summary>
public sealed class StoreBench(string? database) : IDisposable
{
    private static readonly Principal Admin = Principal.LocalAdmin("bench");
    private readonly byte[] _aad = Encoding.UTF8.GetBytes("bench");
    private readonly SecretName[] _names = Enumerable.Range(0, 100).Select(i => SecretName.Parse($"S{i}")).ToArray();
    private byte[] _dataKey = [];
    private byte[] _kek = [];
    private byte[] _sealed = [];
    private EncryptedValue _envelope = null!;
    private string _home = string.Empty;
    private string? _schema;
    private SecretStore _store = null!;
    private int _writes;
    private Dictionary<string, string?> _environment = [];

    /// <summary>The PostgreSQL server to measure: SECRETS_RUNTIME_BENCH_DATABASE, else SECRETS_RUNTIME_TEST_DATABASE, else null.</summary>
    public static string? DatabaseFromEnvironment() =>
        Environment.GetEnvironmentVariable("SECRETS_RUNTIME_BENCH_DATABASE") is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("SECRETS_RUNTIME_TEST_DATABASE") is { Length: > 0 } test ? test : null;

    public void SetUp()
    {
        var value = Encoding.UTF8.GetBytes("sk_live_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        _dataKey = RandomNumberGenerator.GetBytes(32);
        _kek = RandomNumberGenerator.GetBytes(32);
        _sealed = EnvelopeCipher.Seal(_dataKey, value, _aad);
        _envelope = EnvelopeCipher.Encrypt(value, _aad, "k1", _kek);
        _home = Directory.CreateTempSubdirectory("bench-store-").FullName;
        string? connection = null;
        if (database is not null)
        {
            // A schema of its own, dropped afterwards: the bench never touches other data on the server.
            _schema = "bench_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            using var admin = new Npgsql.NpgsqlConnection(database);
            admin.Open();
            using var create = new Npgsql.NpgsqlCommand($"CREATE SCHEMA {_schema}", admin);
            create.ExecuteNonQuery();
            connection = new Npgsql.NpgsqlConnectionStringBuilder(database) { SearchPath = _schema }.ToString();
        }

        _environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        _store = SecretStore.OpenAsync(new StoreOptions { Home = _home, Database = connection, Environment = _environment }).GetAwaiter().GetResult();
        foreach (var name in _names)
        {
            _store.SetAsync(Admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = name, Value = $"value-{name.Value}-" + new string('x', 32) }).GetAwaiter().GetResult();
        }
    }

    public byte[] RawDecrypt() => EnvelopeCipher.Open(_dataKey, _sealed, _aad);

    public byte[] EnvelopeDecrypt() => EnvelopeCipher.Decrypt(_envelope, _aad, _kek);

    /// <summary>One secret through the injection path; uncached: the shared store's cache is dropped first.</summary>
    public async Task<string> StoreReadAsync(bool cached)
    {
        if (!cached)
        {
            _store.Rows.Forget(null);
        }

        return (await ((ISecretValueReader)_store).TryReadAsync(Principal.LocalAdmin("bench"), SecretScope.Organization, "default", _names[7], CancellationToken.None).ConfigureAwait(false))!.Value;
    }

    /// <summary>What a run does: its 100 names looked up in project, organization and personal scope, in one read.</summary>
    public async Task<int> Resolve100Async(bool cached)
    {
        if (!cached)
        {
            _store.Rows.Forget(null);
        }

        var resolver = new SecretResolver(_store, "default", "project", Principal.LocalAdmin("bench"));
        await resolver.PrefetchAsync(_names, CancellationToken.None).ConfigureAwait(false);
        return resolver.Resolved.Count;
    }

    /// <summary>
    /// How long after a write returns on this store another host's store (same database, own cache and change feed,
    /// opened with <paramref name="listen"/> and <paramref name="maxStaleness"/>) first resolves the new version;
    /// that host reads in a loop, from its cache while the cache is fresh.
    /// </summary>
    public async Task<double[]> VisibilityMsAsync(bool listen, TimeSpan maxStaleness, int samples)
    {
        var other = await SecretStore.OpenAsync(new StoreOptions
        {
            Home = _home,
            Database = new Npgsql.NpgsqlConnectionStringBuilder(database) { SearchPath = _schema }.ToString(),
            Environment = _environment,
            MaxStaleness = maxStaleness,
            ListenForChanges = listen,
        }).ConfigureAwait(false);
        await using (other.ConfigureAwait(false))
        {
            var key = new SecretKey(SecretScope.Organization, "default", _names[1]);
            var reader = (ISecretValueReader)other;
            var figures = new double[samples];
            for (var i = 0; i < samples; i++)
            {
                await reader.ReadManyAsync(Principal.LocalAdmin("bench"), [key], 0, CancellationToken.None).ConfigureAwait(false);
                var written = await _store.SetAsync(Admin, new SecretWrite { Scope = key.Scope, Owner = key.Owner, Name = key.Name, Value = "visible-" + i }).ConfigureAwait(false);
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                while ((await reader.ReadManyAsync(Principal.LocalAdmin("bench"), [key], 0, CancellationToken.None).ConfigureAwait(false))[0].Version != written.Version)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                }

                figures[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(figures);
            return figures;
        }
    }

    public async Task<int> WriteAsync() =>
        (await _store.SetAsync(Admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = _names[0], Value = "written-" + _writes++ }).ConfigureAwait(false)).Version;

    public void Dispose()
    {
        _store?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_schema is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            using var admin = new Npgsql.NpgsqlConnection(database);
            admin.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA {_schema} CASCADE", admin);
            drop.ExecuteNonQuery();
        }

        if (_home.Length > 0)
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}

/// <summary>Quick table for the store: SQLite and PostgreSQL side by side, in rounds, in one run.</summary>
public sealed class StoreQuickBenchmark : IQuickBenchmark
{
    public string Name => "store";

    public IEnumerable<QuickRow> Run()
    {
        using var sqlite = new StoreBench(null);
        sqlite.SetUp();
        var raw = QuickMeasure.Time(() => sqlite.RawDecrypt(), TimeSpan.FromSeconds(1));
        var envelope = QuickMeasure.Time(() => sqlite.EnvelopeDecrypt(), TimeSpan.FromSeconds(1));
        var rows = new List<QuickRow>
        {
            new(Name, "AES-GCM decrypt, key in hand (baseline)", QuickMeasure.Duration(raw.P50Ns)),
            new(Name, "envelope decrypt (unwrap + decrypt)", QuickMeasure.Duration(envelope.P50Ns), QuickMeasure.Ratio(envelope.P50Ns, raw.P50Ns)),
        };

        var database = StoreBench.DatabaseFromEnvironment();
        if (database is null)
        {
            rows.Add(new(Name, "PostgreSQL rows skipped: set SECRETS_RUNTIME_BENCH_DATABASE (eng/pg-test-server starts a server)", "-"));
        }

        using var postgres = database is null ? null : new StoreBench(database);
        postgres?.SetUp();
        var cases = new (string Case, Func<StoreBench, Action> Make, int Warmup)[]
        {
            ("read of one secret", b => () => b.StoreReadAsync(cached: false).GetAwaiter().GetResult(), 50),
            ("resolve a run's 100 secrets (PostgreSQL: one query)", b => () => b.Resolve100Async(cached: false).GetAwaiter().GetResult(), 5),
            ("write of one secret", b => () => b.WriteAsync().GetAwaiter().GetResult(), 20),
        };
        foreach (var (label, make, warmup) in cases)
        {
            if (postgres is null)
            {
                var alone = QuickMeasure.Side([make(sqlite)], TimeSpan.FromSeconds(1), warmup)[0];
                rows.Add(new(Name, $"{label}: SQLite, p50", QuickMeasure.Duration(alone.P50Ns)));
                continue;
            }

            // Side by side in rounds: both backends see the same machine.
            var timings = QuickMeasure.Side([make(sqlite), make(postgres)], TimeSpan.FromSeconds(2), warmup);
            rows.Add(new(Name, $"{label}: SQLite, p50", QuickMeasure.Duration(timings[0].P50Ns)));
            rows.Add(new(Name, $"{label}: PostgreSQL, p50", QuickMeasure.Duration(timings[1].P50Ns), QuickMeasure.Ratio(timings[1].P50Ns, timings[0].P50Ns) + " than SQLite"));
        }

        if (postgres is not null)
        {
            // The shared store's cache (envelopes, decrypted per use) while its change feed is fresh: no round trip.
            var cached = QuickMeasure.Side(
                [() => postgres.StoreReadAsync(cached: true).GetAwaiter().GetResult(), () => postgres.Resolve100Async(cached: true).GetAwaiter().GetResult()],
                TimeSpan.FromSeconds(2), 5);
            rows.Add(new(Name, "read of one secret: PostgreSQL, cache fresh, p50", QuickMeasure.Duration(cached[0].P50Ns)));
            rows.Add(new(Name, "resolve a run's 100 secrets: PostgreSQL, cache fresh, p50", QuickMeasure.Duration(cached[1].P50Ns)));

            // The staleness bound in practice: a write on one host until another host's reads return it.
            var live = postgres.VisibilityMsAsync(listen: true, TimeSpan.FromSeconds(5), 30).GetAwaiter().GetResult();
            var polling = postgres.VisibilityMsAsync(listen: false, TimeSpan.FromSeconds(1), 10).GetAwaiter().GetResult();
            rows.Add(new(Name, "another host sees a write, listener live (MaxStaleness 5 s): p50 / max of 30", $"{live[15]:0.0} ms / {live[^1]:0.0} ms"));
            rows.Add(new(Name, "another host sees a write, polling only (MaxStaleness 1 s): p50 / max of 10", $"{polling[5]:0} ms / {polling[^1]:0} ms"));
        }

        return rows;
    }
}

