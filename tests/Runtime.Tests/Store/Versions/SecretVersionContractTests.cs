using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Versions;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Tests.Store.Versions;

/// <summary>Versions, restore, ETag check-and-set and description-only edits, run unchanged against each backend.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SecretVersionContractTests : IDisposable
{
    private static readonly Principal Admin = StoreFixture.Admin;
    private static readonly SecretName Name = SecretName.Parse("API_KEY");
    private readonly StoreFixture _fixture;

    private protected SecretVersionContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    [StoreFact]
    public async Task The_history_lists_every_version_without_a_value_and_restore_makes_a_new_version_with_the_old_value()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "first-value-1f2e"));
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "second-value-9a8b"));

        var restored = await store.RestoreAsync(Admin, SecretScope.Organization, "default", Name, 1);
        var history = await store.VersionsAsync(Admin, SecretScope.Organization, "default", Name);

        Assert.Equal(3, restored.Version);
        Assert.Equal("first-value-1f2e", await StoreFixture.ReadAsync(store, "API_KEY"));
        Assert.Equal([3, 2, 1], history.Select(v => v.Version));
        Assert.Equal([SecretVersionSource.Restore, SecretVersionSource.Set, SecretVersionSource.Set], history.Select(v => v.Source));
        Assert.Equal(1, history[0].RestoredFrom);
        Assert.All(history, v => Assert.Equal("alice", v.CreatedBy));
        var shown = string.Join('\n', history.Select(v => v.ToString()));
        Assert.DoesNotContain("first-value", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("second-value", shown, StringComparison.Ordinal);
        Assert.Contains(await store.AuditAsync(Admin, null), e => e.Action == "restore" && e.Version == 3 && e.Detail == "value of version 1");
    }

    [StoreFact]
    public async Task Kept_versions_are_rewrapped_by_key_rotation_so_a_restore_after_it_still_opens()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "before-rotation"));
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "after"));

        var newKey = await store.RotateKeyAsync(Admin);
        await store.RestoreAsync(Admin, SecretScope.Organization, "default", Name, 1);

        Assert.Equal("before-rotation", await StoreFixture.ReadAsync(store, "API_KEY"));
        Assert.Equal("0", await _fixture.ScalarAsync($"SELECT COUNT(*) FROM secret_versions WHERE key_id <> '{newKey}'"));
    }

    [StoreFact]
    public async Task Delete_removes_every_version_and_a_new_secret_of_the_same_name_starts_afresh()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "one"));
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "two"));

        await store.DeleteAsync(Admin, SecretScope.Organization, "default", Name);

        Assert.Equal("0", await _fixture.ScalarAsync("SELECT COUNT(*) FROM secret_versions WHERE name = 'API_KEY'"));
        var again = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "three"));
        Assert.Equal(1, again.Version);
        Assert.Single(await store.VersionsAsync(Admin, SecretScope.Organization, "default", Name));
        var missing = await Assert.ThrowsAsync<StoreException>(() => store.RestoreAsync(Admin, SecretScope.Organization, "default", Name, 2));
        Assert.Equal("store.version_not_found", missing.Code);
    }

    [StoreFact]
    public async Task A_write_or_delete_with_a_stale_etag_fails_with_a_typed_conflict_and_changes_nothing()
    {
        using var store = await _fixture.OpenAsync();
        var read = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "one"));
        var other = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "someone-else"));

        var write = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(Admin, StoreFixture.Write("API_KEY", "mine") with { IfMatch = read.ETag }));
        var delete = await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(Admin, SecretScope.Organization, "default", Name, read.ETag));
        var restore = await Assert.ThrowsAsync<StoreException>(() => store.RestoreAsync(Admin, SecretScope.Organization, "default", Name, 1, read.ETag));

        Assert.All([write, delete, restore], ex => Assert.Equal(("store.precondition_failed", ErrorKind.Conflict), (ex.Code, ex.Kind)));
        Assert.Equal("someone-else", await StoreFixture.ReadAsync(store, "API_KEY"));
        Assert.NotEqual(read.ETag, other.ETag);
        var fresh = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "mine") with { IfMatch = other.ETag });
        await store.DeleteAsync(Admin, SecretScope.Organization, "default", Name, fresh.ETag);
        Assert.Null(await store.GetAsync(Admin, SecretScope.Organization, "default", Name));
    }

    [StoreFact]
    public async Task Two_writers_with_the_same_etag_at_once_one_wins_and_the_other_gets_a_conflict()
    {
        using var a = await _fixture.OpenAsync();
        using var b = await _fixture.OpenAsync();
        var read = await a.SetAsync(Admin, StoreFixture.Write("API_KEY", "start"));

        var outcomes = await Task.WhenAll(new[] { (a, "from-a"), (b, "from-b") }.Select(async w =>
        {
            try
            {
                await w.Item1.SetAsync(Admin, StoreFixture.Write("API_KEY", w.Item2) with { IfMatch = read.ETag });
                return w.Item2;
            }
            catch (StoreException ex) when (ex.Code == "store.precondition_failed")
            {
                return "conflict";
            }
        }));

        var winner = Assert.Single(outcomes, o => o != "conflict");
        Assert.Contains("conflict", outcomes);
        Assert.Equal(winner, await StoreFixture.ReadAsync(a, "API_KEY"));
        Assert.Equal(2, (await a.GetAsync(Admin, SecretScope.Organization, "default", Name))!.Version);
    }

    [StoreFact]
    public async Task Create_only_refuses_an_existing_secret_and_if_match_refuses_a_missing_one()
    {
        using var store = await _fixture.OpenAsync();
        var created = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "one") with { CreateOnly = true });

        var exists = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(Admin, StoreFixture.Write("API_KEY", "two") with { CreateOnly = true }));
        var missing = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(Admin, StoreFixture.Write("OTHER", "x") with { IfMatch = created.ETag }));

        Assert.Equal(("store.already_exists", ErrorKind.Conflict), (exists.Code, exists.Kind));
        Assert.Equal("store.precondition_failed", missing.Code);
        Assert.Equal("one", await StoreFixture.ReadAsync(store, "API_KEY"));
        Assert.Null(await store.GetAsync(Admin, SecretScope.Organization, "default", SecretName.Parse("OTHER")));
    }

    [StoreFact]
    public async Task A_description_edit_changes_the_etag_but_makes_no_new_version()
    {
        using var store = await _fixture.OpenAsync();
        var written = await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "one") with { Description = "old" });

        var edited = await store.DescribeAsync(Admin, SecretScope.Organization, "default", Name, "new words", written.ETag);
        var stale = await Assert.ThrowsAsync<StoreException>(() => store.DescribeAsync(Admin, SecretScope.Organization, "default", Name, "lost", written.ETag));

        var now = await store.GetAsync(Admin, SecretScope.Organization, "default", Name);
        Assert.Equal((1, "new words"), (now!.Version, now.Description));
        Assert.Equal(edited.ETag, now.ETag);
        Assert.NotEqual(written.ETag, now.ETag);
        Assert.Equal("store.precondition_failed", stale.Code);
        Assert.Single(await store.VersionsAsync(Admin, SecretScope.Organization, "default", Name));
        Assert.Equal("one", await StoreFixture.ReadAsync(store, "API_KEY"));
    }

    [StoreFact]
    public async Task Imported_values_are_versions_with_the_import_source()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("API_KEY", "by-hand"));

        await store.ImportAsync(Admin, SecretScope.Organization, "default", DotEnvParser.Parse("API_KEY=from-file\n"), dryRun: false);

        var history = await store.VersionsAsync(Admin, SecretScope.Organization, "default", Name);
        Assert.Equal([SecretVersionSource.Import, SecretVersionSource.Set], history.Select(v => v.Source));
    }
}
