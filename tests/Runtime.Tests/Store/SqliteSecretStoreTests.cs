using System.Text;

namespace Secrets.Runtime.Tests.Store;

/// <summary>The contract suite against SQLite, and what only the SQLite file must show.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteSecretStoreTests : SecretStoreContractTests
{
    private readonly StoreFixture _fixture;

    public SqliteSecretStoreTests()
        : base(StoreBackend.Sqlite) => _fixture = Fixture;

    [StoreFact]
    public async Task The_database_and_its_wal_never_hold_a_value_in_clear()
    {
        const string value = "needle-4c2f9e1b7a-secret-value";
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("NEEDLE", value));
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("NEEDLE", value + "-v2"));
        }

        var files = Directory.GetFiles(_fixture.Home, "secrets.db*");
        Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(value)));
        }
    }
}
