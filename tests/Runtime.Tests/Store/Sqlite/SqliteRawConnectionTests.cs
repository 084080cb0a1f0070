using Microsoft.Data.Sqlite;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Sqlite;

namespace Secrets.Runtime.Tests.Store.Sqlite;

/// <summary>
/// The open, the key ring's first read and the full listing go through SQLitePCLRaw directly (<see cref="SqliteRawConnection"/>):
/// the listing must equal what Microsoft.Data.Sqlite reads from the same file, row for row, over every kind of row,
/// and the store's policy on top of it must give every principal what the paged listing gives.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteRawConnectionTests : IDisposable
{
    private static readonly Principal Alice = StoreFixture.Admin;
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task The_raw_listing_equals_the_rows_microsoft_data_sqlite_reads_over_every_kind_of_row()
    {
        using var store = await _fixture.OpenAsync();
        await FillAsync(store);
        var rows = (SqliteSecretRows)store.Rows;

        var raw = await rows.ListAsync(CancellationToken.None);
        var full = await rows.PageAsync(new SecretPageFilter(null, null, null, IncludeSystem: true, After: null, Limit: 1000, IncludeMembers: false), CancellationToken.None);

        Assert.Equal(full.Count, raw.Count);
        Assert.Equal(full, raw);
        Assert.Contains(raw, m => m.Description == Unicode);
        Assert.Contains(raw, m => m.IsSystem && m.Integration == "stripe");
        Assert.Contains(raw, m => m.Name.Value == "ROTATED" && m.Version == 3);
        Assert.Contains(raw, m => m.Name.Value == "BY_HAND" && m.LastUsedAt == new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.DoesNotContain(raw, m => m.Name.Value == "DELETED");
    }

    [Fact]
    public async Task Every_principal_lists_through_the_raw_rows_what_the_paged_listing_gives_it()
    {
        using var store = await _fixture.OpenAsync();
        await FillAsync(store);
        Principal[] principals =
        [
            Alice,
            Principal.LocalAdmin("bob"),
            new Principal("mallory", [new RoleGrant(SecretScope.Project, "web", SecretRole.Reader)]),
            new Principal("pat", []),
        ];

        foreach (var principal in principals)
        {
            foreach (var scope in new SecretScope?[] { null, SecretScope.Organization, SecretScope.Project, SecretScope.Personal })
            {
                foreach (var system in new[] { false, true })
                {
                    var list = await store.ListAsync(principal, new SecretListQuery { Scope = scope, IncludeSystem = system });
                    var page = await store.ListPageAsync(principal, new SecretPageQuery { Scope = scope, IncludeSystem = system, Limit = SecretPageQuery.MaxLimit });

                    Assert.Null(page.NextCursor);
                    Assert.Equal(page.Items.Select(m => (m.Scope, m.Owner, m.Name.Value, m.Version, m.MyRole)), list.Select(m => (m.Scope, m.Owner, m.Name.Value, m.Version, m.MyRole)));
                }
            }
        }

        // The CLI's principal: every organization and project secret, its own personal ones, never another user's.
        var cli = await store.ListAsync(Alice, new SecretListQuery { IncludeSystem = true });
        Assert.Contains(cli, m => m.Scope == SecretScope.Personal && m.Owner == "alice");
        Assert.DoesNotContain(cli, m => m.Scope == SecretScope.Personal && m.Owner != "alice");
        Assert.Equal(["MEMBER_ONLY"], (await store.ListAsync(new Principal("pat", []), new SecretListQuery())).Select(m => m.Name.Value));
    }

    [Fact]
    public async Task A_listing_sees_a_commit_made_by_another_connection_after_the_raw_connection_was_kept()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Alice, StoreFixture.Write("A", "v"));
        await store.SetAsync(Alice, StoreFixture.Write("B", "v"));
        Assert.Equal(["A", "B"], (await store.ListAsync(Alice, new SecretListQuery())).Select(m => m.Name.Value));

        await _fixture.ExecuteAsync("DELETE FROM secrets WHERE name = 'A'");
        await _fixture.ExecuteAsync("UPDATE secrets SET description = 'changed by hand' WHERE name = 'B'");

        var after = await store.ListAsync(Alice, new SecretListQuery());
        Assert.Equal("B", Assert.Single(after).Name.Value);
        Assert.Equal("changed by hand", after[0].Description);
    }

    [Fact]
    public async Task The_raw_connection_refuses_every_write()
    {
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(Alice, StoreFixture.Write("A", "v"));
        }

        using var raw = SqliteRawConnection.OpenReadOnly(_fixture.Options.DatabasePath);

        var error = Assert.Throws<SqliteException>(() => raw.Execute("DELETE FROM secrets"));
        Assert.Equal(8, error.SqliteErrorCode); // SQLITE_READONLY
        Assert.Equal("1", await _fixture.ScalarAsync("SELECT count(*) FROM secrets"));
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_the_open_as_microsoft_data_sqlite_reports_it()
    {
        Directory.CreateDirectory(_fixture.Home);
        await File.WriteAllTextAsync(_fixture.Options.DatabasePath, new string('x', 4096));

        var error = await Assert.ThrowsAsync<SqliteException>(_fixture.OpenAsync);

        Assert.Equal(26, error.SqliteErrorCode); // SQLITE_NOTADB
        Assert.Equal(new string('x', 4096), await File.ReadAllTextAsync(_fixture.Options.DatabasePath));
    }

    private const string Unicode = "caf\u00e9 \u2713 \U0001F511 and a 'quote'";

    /// <summary>A store holding every scope, other users' personal secrets, a system secret, deleted, rotated and restored secrets.</summary>
    private async Task FillAsync(SecretStore store)
    {
        var bob = Principal.LocalAdmin("bob");
        await store.SetAsync(Alice, StoreFixture.Write("ORG", "v") with { Description = Unicode });
        await store.SetAsync(Alice, StoreFixture.Write("OTHER_ORG", "v", SecretScope.Organization, "acme"));
        await store.SetAsync(Alice, StoreFixture.Write("API", "v", SecretScope.Project, "web"));
        await store.SetAsync(Alice, StoreFixture.Write("API", "v", SecretScope.Project, "api"));
        await store.SetAsync(Alice, StoreFixture.Write("MINE", "v", SecretScope.Personal, "alice"));
        await store.SetAsync(bob, StoreFixture.Write("BOBS", "v", SecretScope.Personal, "bob"));
        await store.SetAsync(bob, StoreFixture.Write("MINE", "v", SecretScope.Personal, "bob"));
        await store.SetSystemAsync(Alice, StoreFixture.Write("STRIPE_WEBHOOK", "whsec"), "stripe");
        await store.SetAsync(Alice, StoreFixture.Write("ROTATED", "one", SecretScope.Project, "web"));
        await store.SetAsync(Alice, StoreFixture.Write("ROTATED", "two", SecretScope.Project, "web"));
        await store.RestoreAsync(Alice, SecretScope.Project, "web", SecretName.Parse("ROTATED"), 1);
        await store.SetAsync(Alice, StoreFixture.Write("DELETED", "v", SecretScope.Project, "web"));
        await store.DeleteAsync(Alice, SecretScope.Project, "web", SecretName.Parse("DELETED"));
        await store.SetAsync(Alice, StoreFixture.Write("MEMBER_ONLY", "v", SecretScope.Project, "private"));
        await store.PutMemberAsync(Alice, SecretScope.Project, "private", SecretName.Parse("MEMBER_ONLY"), "pat", SecretMemberRole.Member);
        await store.SetAsync(Alice, StoreFixture.Write("BY_HAND", "v", SecretScope.Project, "web"));
        await store.RotateKeyAsync(Alice);

        // A time written by hand in another format goes through the general parser on both paths.
        await _fixture.ExecuteAsync("UPDATE secrets SET last_used_at = '2026-01-02 03:04:05' WHERE name = 'BY_HAND'");
    }
}
