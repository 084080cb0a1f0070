using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Crypto;

/// <summary>
/// The key-encryption keys (KEKs), each wrapped by the master key. Unwrapped keys are cached by id; an id this
/// process has not seen (another host rotated) is loaded from the rows on first use, so a rotation anywhere is usable
/// everywhere without a restart. Nothing is unwrapped or hashed before a key is needed: whether the master key is
/// the store's own is checked at its first use, so listing metadata costs no cryptography.
/// </summary>
internal sealed class KeyRing : IDisposable
{
    private readonly MasterKey _master;
    private readonly string? _neededId;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Dictionary<string, byte[]> _keks = new(StringComparer.Ordinal);
    private volatile bool _verified;

    /// <param name="master">The master key.</param>
    /// <param name="neededId">The master key id the store was created with, or null for a ring not created yet.</param>
    /// <param name="time">The clock that stamps a key when it is added.</param>
    public KeyRing(MasterKey master, string? neededId, TimeProvider time)
    {
        _master = master;
        _neededId = neededId;
        _time = time;
    }

    /// <summary>The master key's id (stored with the ring, named in errors).</summary>
    public string MasterKeyId => _master.Id;

    /// <summary>The master key, once it is known to be the store's own (store.master_key_wrong otherwise).</summary>
    private MasterKey Master
    {
        get
        {
            if (!_verified)
            {
                MasterKeySource.Verify(_master, _neededId);
                _verified = true;
            }

            return _master;
        }
    }

    /// <summary>Creates the first key when the ring is empty and records the master key's id.</summary>
    public async Task InitializeAsync(ISecretRowsTransaction transaction, CancellationToken cancellationToken)
    {
        if (await transaction.MasterKeyIdAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await AddAsync(transaction, "k1-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), cancellationToken).ConfigureAwait(false);
            await transaction.SetMasterKeyIdAsync(_master.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds a new key, active from now on, and returns its id and key (remembered only once the caller commits).</summary>
    public async Task<(string Id, byte[] Kek)> AddNextAsync(ISecretRowsTransaction transaction, CancellationToken cancellationToken)
    {
        var count = await transaction.KeyCountAsync(cancellationToken).ConfigureAwait(false);
        var id = string.Create(CultureInfo.InvariantCulture, $"k{count + 1}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        return (id, await AddAsync(transaction, id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Keeps an unwrapped key in the cache.</summary>
    public void Remember(string id, byte[] kek)
    {
        lock (_lock)
        {
            _keks = new Dictionary<string, byte[]>(_keks, StringComparer.Ordinal) { [id] = kek };
        }
    }

    /// <summary>The active key, read inside the write transaction so a concurrent rotation is never missed.</summary>
    public async Task<(string Id, byte[] Kek)> ActiveAsync(ISecretRowsTransaction transaction, CancellationToken cancellationToken)
    {
        var id = await transaction.ActiveKeyIdAsync(cancellationToken).ConfigureAwait(false)
            ?? throw StoreErrors.KeyRingEmpty("the key ring has no active key");
        return (id, await KekAsync(id, transaction, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The unwrapped key with that id: from the cache, else loaded from <paramref name="rows"/> and unwrapped.</summary>
    public async Task<byte[]> KekAsync(string id, IKeyRows rows, CancellationToken cancellationToken)
    {
        if (_keks.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var wrapped = await rows.WrappedKeyAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw StoreErrors.KeyMissing($"key {id} is missing from the key ring");
        byte[] kek;
        try
        {
            kek = EnvelopeCipher.Open(Master.Key, wrapped, AssociatedData(id));
        }
        catch (CryptographicException)
        {
            throw StoreErrors.KeyUnwrapFailed($"key {id} cannot be unwrapped with master key {_master.Id}; the key ring or the master key is wrong");
        }

        Remember(id, kek);
        return kek;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var kek in _keks.Values)
            {
                CryptographicOperations.ZeroMemory(kek);
            }

            _keks = new(StringComparer.Ordinal);
        }

        _master.Dispose();
    }

    private async Task<byte[]> AddAsync(ISecretRowsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        var kek = RandomNumberGenerator.GetBytes(EnvelopeCipher.KeySize);
        await transaction.InsertKeyAsync(id, EnvelopeCipher.Seal(Master.Key, kek, AssociatedData(id)), _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return kek;
    }

    private static byte[] AssociatedData(string id) => Encoding.UTF8.GetBytes("secrets-runtime/kek/v1/" + id);
}
