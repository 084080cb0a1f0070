using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Sqlite;

namespace Secrets.Runtime.Tests.Store.Sqlite;

/// <summary>The SQLite store's held read connections: read-only, and never handed to a writer.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteReadConnectionsTests : IDisposable
{
    private readonly StoreFixture _fixture = new(StoreBackend.Sqlite);

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Connections_closed_after_a_burst_of_reads_leave_every_later_write_working()
    {
        using var store = await _fixture.OpenAsync();
        var reads = ((SqliteSecretRows)store.Rows).Reads;

        // More at once than are kept: the extra ones are closed when given back, and must not reach a writer.
        var leases = Enumerable.Range(0, SqliteReadConnections.MaxIdle + 4).Select(_ => reads.Rent()).ToArray();
        for (var i = 0; i < leases.Length; i++)
        {
            leases[i].Dispose();
        }

        for (var i = 0; i < 20; i++)
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"KEY_{i:D2}"), "v"));
        }

        var page = await store.ListPageAsync(StoreFixture.Admin, new SecretPageQuery { Limit = 50 });
        Assert.Equal(20, page.Items.Count);
    }

    [Fact]
    public async Task A_write_through_a_held_connection_is_refused()
    {
        using var store = await _fixture.OpenAsync();
        var lease = ((SqliteSecretRows)store.Rows).Reads.Rent();
        try
        {
            var error = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => lease.Command("DELETE FROM secrets").ExecuteNonQuery());
            Assert.Contains("readonly", error.Message.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            lease.Break();
            lease.Dispose();
        }
    }
}
