using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Tests.Store;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretImportTests : IDisposable
{
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task An_import_creates_and_updates_and_reports_names_and_lines_only()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("EXISTING", "old", SecretScope.Project, "web"));

        var summary = await store.ImportAsync(StoreFixture.Admin, SecretScope.Project, "web", DotEnvParser.Parse("NEW=n-value\nexisting=e-value\nnot a statement"), dryRun: false);

        Assert.Equal(["NEW (line 1)"], summary.Created.Select(e => e.ToString()));
        Assert.Equal(["EXISTING (line 2)"], summary.Updated.Select(e => e.ToString()));
        Assert.Equal(3, Assert.Single(summary.Skipped).Line);
        Assert.Equal("e-value", await StoreFixture.ReadAsync(store, "EXISTING", SecretScope.Project, "web"));
    }

    [Fact]
    public async Task A_dry_run_reports_the_same_and_writes_nothing()
    {
        using var store = await _fixture.OpenAsync();

        var summary = await store.ImportAsync(StoreFixture.Admin, SecretScope.Organization, "default", DotEnvParser.Parse("A=1\nB=2"), dryRun: true);

        Assert.True(summary.DryRun);
        Assert.Equal(2, summary.Created.Count);
        Assert.Empty(await store.ListAsync(StoreFixture.Admin, new SecretListQuery()));
        Assert.Empty(await store.AuditAsync(StoreFixture.Admin, null));
    }

    [Fact]
    public async Task Any_error_fails_the_whole_import_listing_every_problem_and_writes_nothing()
    {
        using var store = await _fixture.OpenAsync();

        var ex = await Assert.ThrowsAsync<StoreException>(() => store.ImportAsync(StoreFixture.Admin, SecretScope.Organization, "default",
            DotEnvParser.Parse("GOOD=1\nFOO.BAR=2\n1X=3\nexport LONE"), dryRun: false));

        Assert.Contains("nothing was written", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 4", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(StoreFixture.Admin, new SecretListQuery()));
    }

    [Fact]
    public async Task A_failure_midway_rolls_back_every_row_already_written()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetSystemAsync(StoreFixture.Admin, StoreFixture.Write("OAUTH", "token"), "github");

        await Assert.ThrowsAsync<StoreException>(() => store.ImportAsync(StoreFixture.Admin, SecretScope.Organization, "default", DotEnvParser.Parse("A=1\nB=2\nOAUTH=mine\nC=3"), dryRun: false));

        var left = await store.ListAsync(StoreFixture.Admin, new SecretListQuery { IncludeSystem = true });
        Assert.Equal(["OAUTH"], left.Select(s => s.Name.Value));
    }
}
