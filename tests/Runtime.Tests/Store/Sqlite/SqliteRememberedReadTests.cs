using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Listing;
using Secrets.Runtime.Store.Sqlite;

namespace Secrets.Runtime.Tests.Store.Sqlite;

/// <summary>
/// Remembered authentications and pages on SQLite outlive a commit that touches none of the tables they read (an audit
/// row, a token's last use), and never a change to one of those tables, made by hand on the file after such a commit,
/// as an attacker with database access or the CLI in another process would.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteRememberedReadTests : IDisposable
{
    private const string UnrelatedCommit = "INSERT INTO audit (at, actor, action) VALUES ('2026-01-01T00:00:00.0000000Z', 'someone', 'use')";
    private static readonly Principal Admin = StoreFixture.Admin;
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_remembered_authentication_outlives_a_commit_that_touches_no_access_table()
    {
        using var store = await _fixture.OpenAsync();
        var (_, bearer) = await BobAsync(store);
        var first = await RememberedAsync(store, bearer);

        await _fixture.ExecuteAsync(UnrelatedCommit);
        await _fixture.ExecuteAsync("UPDATE tokens SET last_used_at = '2026-01-01T00:00:00.0000000Z'");
        var reads = store.Access.TokenReads;
        var again = await store.Access.AuthenticateAsync(bearer);

        Assert.Equal(reads, store.Access.TokenReads);
        Assert.Same(first, again.Principal);
    }

    [Theory]
    [InlineData("DELETE FROM tokens WHERE id = $id", AuthenticationFailure.Unknown)]
    [InlineData("UPDATE tokens SET revoked_at = '2026-01-01T00:00:00.0000000Z' WHERE id = $id", AuthenticationFailure.Revoked)]
    public async Task A_token_deleted_or_revoked_by_hand_is_refused_at_the_next_authentication(string edit, AuthenticationFailure failure)
    {
        using var store = await _fixture.OpenAsync();
        var (id, bearer) = await BobAsync(store);
        await RememberedAsync(store, bearer);
        await _fixture.ExecuteAsync(UnrelatedCommit);
        Assert.True((await store.Access.AuthenticateAsync(bearer)).Succeeded);

        await _fixture.ExecuteAsync(edit, ("$id", id));

        Assert.Equal(failure, (await store.Access.AuthenticateAsync(bearer)).Failure);
    }

    [Fact]
    public async Task A_grant_revoked_by_hand_is_gone_at_the_next_authentication()
    {
        using var store = await _fixture.OpenAsync();
        var (_, bearer) = await BobAsync(store);
        Assert.True((await RememberedAsync(store, bearer)).Has(SecretScope.Project, "web", SecretRole.Writer));
        await _fixture.ExecuteAsync(UnrelatedCommit);
        Assert.True((await store.Access.AuthenticateAsync(bearer)).Principal!.Has(SecretScope.Project, "web", SecretRole.Writer));

        await _fixture.ExecuteAsync("DELETE FROM grants WHERE user_id = 'bob'");

        var principal = (await store.Access.AuthenticateAsync(bearer)).Principal!;
        Assert.False(principal.Has(SecretScope.Project, "web", SecretRole.Reader));
    }

    [Fact]
    public async Task A_remembered_page_outlives_a_commit_that_touches_none_of_its_tables_and_not_one_that_does()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        var rows = (SqliteSecretRows)store.Rows;
        var filter = new SecretPageFilter(null, null, null, IncludeSystem: true, After: null, Limit: 51, IncludeMembers: true);
        var first = await rows.PageAsync(filter, CancellationToken.None);

        await _fixture.ExecuteAsync(UnrelatedCommit);
        var kept = await rows.PageAsync(filter, CancellationToken.None);
        await _fixture.ExecuteAsync("UPDATE secrets SET last_used_at = '2026-01-01T00:00:00.0000000Z' WHERE name = 'A'");
        var changed = await rows.PageAsync(filter, CancellationToken.None);

        Assert.Same(first, kept);
        Assert.NotSame(kept, changed);
        Assert.NotNull(Assert.Single(changed).LastUsedAt);
    }

    [Fact]
    public async Task A_page_hands_out_its_rows_for_keeping_only_once_they_are_remembered_and_not_after_a_write()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        await store.SetAsync(Admin, StoreFixture.Write("B", "v"));
        var query = new SecretPageQuery { IncludeMembers = true };

        var first = await store.ListPageAsync(Admin, query);
        var second = await store.ListPageAsync(Admin, query);
        await _fixture.ExecuteAsync("UPDATE secrets SET description = 'changed' WHERE name = 'B'");
        var afterWrite = await store.ListPageAsync(Admin, query);
        var again = await store.ListPageAsync(Admin, query);

        Assert.Null(first.Rows);
        Assert.NotNull(second.Rows);
        Assert.Equal(second.Items.Select(i => i.Name), second.Rows.Select(r => r.Name));
        Assert.Null(afterWrite.Rows);
        Assert.Equal("changed", again.Rows![1].Description);
        Assert.DoesNotContain(again.Rows, r => second.Rows!.Contains(r, ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public async Task A_secret_renamed_by_another_connection_is_seen_renamed_at_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true });
        await _fixture.ExecuteAsync(UnrelatedCommit);
        Assert.Equal("A", Assert.Single((await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true })).Items).Name.Value);

        await _fixture.ExecuteAsync("UPDATE secrets SET name = 'RENAMED' WHERE name = 'A'");

        Assert.Equal("RENAMED", Assert.Single((await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true })).Items).Name.Value);
    }

    [Fact]
    public async Task A_secret_deleted_by_another_connection_is_gone_at_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        await store.SetAsync(Admin, StoreFixture.Write("B", "v"));
        await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true });
        await _fixture.ExecuteAsync(UnrelatedCommit);
        Assert.Equal(2, (await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true })).Items.Count);

        await _fixture.ExecuteAsync("DELETE FROM secrets WHERE name = 'A'");

        Assert.Equal(["B"], (await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true })).Items.Select(m => m.Name.Value));
    }

    [Fact]
    public async Task A_member_removed_by_another_connection_no_longer_sees_the_secret_at_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        var writer = new Principal("wendy", [new RoleGrant(SecretScope.Project, "web", SecretRole.Writer)]);
        var mallory = new Principal("mallory", []);
        await store.SetAsync(writer, StoreFixture.Write("SHARED", "v", SecretScope.Project, "web"));
        await store.PutMemberAsync(writer, SecretScope.Project, "web", SecretName.Parse("SHARED"), "mallory", SecretMemberRole.Member);
        await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true });
        await _fixture.ExecuteAsync(UnrelatedCommit);
        Assert.Single((await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true })).Items);

        await _fixture.ExecuteAsync("DELETE FROM secret_members WHERE user_id = 'mallory'");

        Assert.Empty((await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true })).Items);
    }

    /// <summary>Bob, writer on project web, with a token carrying every scope: its id and bearer.</summary>
    private static async Task<(string Id, string Bearer)> BobAsync(SecretStore store)
    {
        var boot = await store.Access.BootstrapAsync();
        var admin = (await store.Access.AuthenticateAsync(boot!.Token.Bearer)).Principal!;
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "web", SecretRole.Writer));
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        return (issued.Info.Id, issued.Bearer);
    }

    /// <summary>Authenticates until the store remembers the token, and returns the principal.</summary>
    private static async Task<Principal> RememberedAsync(SecretStore store, string bearer)
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await store.Access.AuthenticateAsync(bearer)).Succeeded);
            var reads = store.Access.TokenReads;
            var again = await store.Access.AuthenticateAsync(bearer);
            if (store.Access.TokenReads == reads)
            {
                return again.Principal!;
            }
        }

        throw new Xunit.Sdk.XunitException("the store never remembered the authentication");
    }
}
