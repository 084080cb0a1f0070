using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Benchmarks;

/// <summary>Decrypt latency: one AES-GCM decrypt (baseline), one envelope, one store read, resolving 100 secrets.</summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private readonly StoreBench _bench = new();

    [GlobalSetup]
    public void Setup() => _bench.SetUp();

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    [Benchmark(Baseline = true, Description = "AES-GCM decrypt, key in hand")]
    public byte[] RawDecrypt() => _bench.RawDecrypt();

    [Benchmark(Description = "envelope decrypt (unwrap data key + decrypt)")]
    public byte[] EnvelopeDecrypt() => _bench.EnvelopeDecrypt();

    [Benchmark(Description = "store read of one secret (SQLite + envelope)")]
    public Task<string> StoreRead() => _bench.StoreReadAsync();

    [Benchmark(Description = "resolve 100 secrets for a run")]
    public Task<int> Resolve100() => _bench.Resolve100Async();
}

/// <summary>The work measured by <see cref="StoreBenchmarks"/> and the quick table.</summary>
public sealed class StoreBench : IDisposable
{
    private readonly byte[] _aad = Encoding.UTF8.GetBytes("bench");
    private byte[] _dataKey = [];
    private byte[] _kek = [];
    private byte[] _sealed = [];
    private EncryptedValue _envelope = null!;
    private string _home = string.Empty;
    private SecretStore _store = null!;

    public void SetUp()
    {
        var value = Encoding.UTF8.GetBytes("sk_live_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        _dataKey = RandomNumberGenerator.GetBytes(32);
        _kek = RandomNumberGenerator.GetBytes(32);
        _sealed = EnvelopeCipher.Seal(_dataKey, value, _aad);
        _envelope = EnvelopeCipher.Encrypt(value, _aad, "k1", _kek);
        _home = Directory.CreateTempSubdirectory("bench-store-").FullName;
        _store = SecretStore.OpenAsync(new StoreOptions
        {
            Home = _home,
            Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
        }).GetAwaiter().GetResult();
        var admin = Principal.LocalAdmin("bench");
        for (var i = 0; i < 100; i++)
        {
            _store.SetAsync(admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse($"S{i}"), Value = $"value-{i}-" + new string('x', 32) }).GetAwaiter().GetResult();
        }
    }

    public byte[] RawDecrypt() => EnvelopeCipher.Open(_dataKey, _sealed, _aad);

    public byte[] EnvelopeDecrypt() => EnvelopeCipher.Decrypt(_envelope, _aad, _kek);

    public async Task<string> StoreReadAsync() =>
        (await ((ISecretValueReader)_store).TryReadAsync(SecretScope.Organization, "default", SecretName.Parse("S7"), CancellationToken.None).ConfigureAwait(false))!.Value;

    public async Task<int> Resolve100Async()
    {
        var resolver = new SecretResolver(_store, "default", "project", "bench");
        var found = 0;
        for (var i = 0; i < 100; i++)
        {
            found += await resolver.TryResolveAsync(SecretName.Parse($"S{i}"), CancellationToken.None).ConfigureAwait(false) is null ? 0 : 1;
        }

        return found;
    }

    public void Dispose()
    {
        _store?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_home.Length > 0)
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}

/// <summary>Quick table for the store.</summary>
public sealed class StoreQuickBenchmark : IQuickBenchmark
{
    public string Name => "store";

    public IEnumerable<QuickRow> Run()
    {
        using var bench = new StoreBench();
        bench.SetUp();
        var raw = QuickMeasure.Time(() => bench.RawDecrypt(), TimeSpan.FromSeconds(1));
        var envelope = QuickMeasure.Time(() => bench.EnvelopeDecrypt(), TimeSpan.FromSeconds(1));
        var read = QuickMeasure.Time(() => bench.StoreReadAsync().GetAwaiter().GetResult(), TimeSpan.FromSeconds(1), warmup: 50);
        var resolve = QuickMeasure.Time(() => bench.Resolve100Async().GetAwaiter().GetResult(), TimeSpan.FromSeconds(2), warmup: 5);
        return
        [
            new QuickRow(Name, "AES-GCM decrypt, key in hand (baseline)", QuickMeasure.Duration(raw.P50Ns)),
            new QuickRow(Name, "envelope decrypt (unwrap + decrypt)", QuickMeasure.Duration(envelope.P50Ns), QuickMeasure.Ratio(envelope.P50Ns, raw.P50Ns)),
            new QuickRow(Name, "store read of one secret (SQLite + envelope), p50", QuickMeasure.Duration(read.P50Ns), QuickMeasure.Ratio(read.P50Ns, raw.P50Ns)),
            new QuickRow(Name, "resolve 100 secrets for a run, p50", QuickMeasure.Duration(resolve.P50Ns), QuickMeasure.Ratio(resolve.P50Ns, raw.P50Ns)),
        ];
    }
}
