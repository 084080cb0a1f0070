using System.Globalization;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Listing;

namespace Secrets.Runtime.Tests.Store.Listing;

/// <summary>Keyset pages of secrets and audit entries, and a secret's usages, run unchanged against each backend.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SecretListingContractTests : IDisposable
{
    private static readonly Principal Admin = StoreFixture.Admin;
    private readonly StoreFixture _fixture;

    private protected SecretListingContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    [StoreFact]
    public async Task Pages_walk_every_visible_secret_once_in_order_and_hidden_ones_never_shorten_a_page()
    {
        using var store = await _fixture.OpenAsync();
        for (var i = 0; i < 25; i++)
        {
            await store.SetAsync(Admin, StoreFixture.Write(string.Create(CultureInfo.InvariantCulture, $"KEY_{i:D2}"), "v", SecretScope.Project, "web"));
            await store.SetAsync(Admin, StoreFixture.Write(string.Create(CultureInfo.InvariantCulture, $"KEY_{i:D2}"), "v", SecretScope.Project, "hidden"));
        }

        var bob = new Principal("bob", [new RoleGrant(SecretScope.Project, "web", SecretRole.Reader)]);
        var seen = new List<string>();
        var sizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await store.ListPageAsync(bob, new SecretPageQuery { Limit = 7, Cursor = cursor });
            seen.AddRange(page.Items.Select(m => $"{m.Owner}/{m.Name.Value}"));
            sizes.Add(page.Items.Count);
            Assert.All(page.Items, m => Assert.Equal(Secrets.Runtime.Store.Access.SecretMemberRole.Member, m.MyRole));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 25).Select(i => string.Create(CultureInfo.InvariantCulture, $"web/KEY_{i:D2}")), seen);
        Assert.Equal([7, 7, 7, 4], sizes);
    }

    [StoreFact]
    public async Task Search_matches_name_or_description_case_insensitively_within_the_scope_and_project_asked()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("STRIPE_KEY", "v", SecretScope.Project, "web"));
        await store.SetAsync(Admin, StoreFixture.Write("HOOK_SECRET", "v", SecretScope.Project, "web") with { Description = "the Stripe webhook" });
        await store.SetAsync(Admin, StoreFixture.Write("OTHER", "stripe", SecretScope.Project, "web"));
        await store.SetAsync(Admin, StoreFixture.Write("STRIPE_KEY", "v", SecretScope.Project, "api"));
        await store.SetAsync(Admin, StoreFixture.Write("STRIPE_KEY", "v"));

        var web = await store.ListPageAsync(Admin, new SecretPageQuery { Scope = SecretScope.Project, Owner = "web", Search = "sTrIpE" });
        var everywhere = await store.ListPageAsync(Admin, new SecretPageQuery { Search = "stripe_key" });

        Assert.Equal(["HOOK_SECRET", "STRIPE_KEY"], web.Items.Select(m => m.Name.Value));
        Assert.Equal(["organization/default", "project/api", "project/web"], everywhere.Items.Select(m => $"{m.Scope.ToText()}/{m.Owner}"));
        Assert.Null(web.NextCursor);
    }

    [StoreFact]
    public async Task A_forged_cursor_or_a_limit_out_of_range_is_refused()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        await store.SetAsync(Admin, StoreFixture.Write("B", "v"));
        var first = await store.ListPageAsync(Admin, new SecretPageQuery { Limit = 1 });

        var forged = first.NextCursor![..^2] + "__";
        var errors = new[]
        {
            await Assert.ThrowsAsync<StoreException>(() => store.ListPageAsync(Admin, new SecretPageQuery { Cursor = forged })),
            await Assert.ThrowsAsync<StoreException>(() => store.ListPageAsync(Admin, new SecretPageQuery { Cursor = "' OR 1=1 --" })),
            await Assert.ThrowsAsync<StoreException>(() => store.AuditPageAsync(Admin, new AuditQuery { Cursor = first.NextCursor })),
        };
        var limit = await Assert.ThrowsAsync<StoreException>(() => store.ListPageAsync(Admin, new SecretPageQuery { Limit = 0 }));

        Assert.All(errors, ex => Assert.Equal("store.cursor_invalid", ex.Code));
        Assert.Equal("store.limit_invalid", limit.Code);
        Assert.Equal(["B"], (await store.ListPageAsync(Admin, new SecretPageQuery { Cursor = first.NextCursor })).Items.Select(m => m.Name.Value));
    }

    [StoreFact]
    public async Task Audit_pages_filter_by_action_and_time_and_follow_the_cursor()
    {
        using var store = await _fixture.OpenAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync(Admin, StoreFixture.Write("K", "value-" + i.ToString(CultureInfo.InvariantCulture)));
        }

        await store.DeleteAsync(Admin, SecretScope.Organization, "default", SecretName.Parse("K"));

        var first = await store.AuditPageAsync(Admin, new AuditQuery { Action = "update", Limit = 3 });
        var second = await store.AuditPageAsync(Admin, new AuditQuery { Action = "update", Limit = 3, Cursor = first.NextCursor });
        var future = await store.AuditPageAsync(Admin, new AuditQuery { Since = DateTimeOffset.UtcNow.AddMinutes(1) });
        var all = await store.AuditPageAsync(Admin, new AuditQuery());

        Assert.Equal([2, 3, 4], first.Entries.Select(e => e.Version!.Value));
        Assert.Equal([5], second.Entries.Select(e => e.Version!.Value));
        Assert.Null(second.NextCursor);
        Assert.Empty(future.Entries);
        Assert.Equal(["create", "update", "update", "update", "update", "delete"], all.Entries.Select(e => e.Action));
        Assert.True(all.Entries.Zip(all.Entries.Skip(1)).All(p => p.First.Id < p.Second.Id));
        Assert.DoesNotContain(all.Entries, e => e.ToString().Contains("value-", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Usages_name_the_workflow_run_and_node_newest_first_and_only_for_members()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("K", "v", SecretScope.Project, "web"));
        var name = SecretName.Parse("K");
        ISecretValueReader reader = store;
        await reader.RecordUsageAsync([new SecretUsage("run1", "fetch", SecretScope.Project, "web", name, 1, "alice") { Workflow = "nightly" }], CancellationToken.None);
        await reader.RecordUsageAsync(
            [new SecretUsage("run2", "post", SecretScope.Project, "web", name, 1, "alice") { Workflow = "deploy" }, new SecretUsage(string.Empty, string.Empty, SecretScope.Project, "web", name, 1, "alice") { Detail = "eval" }],
            CancellationToken.None);

        var uses = await store.UsagesAsync(Admin, SecretScope.Project, "web", name);
        var denied = await Assert.ThrowsAsync<StoreException>(() => store.UsagesAsync(new Principal("mallory", []), SecretScope.Project, "web", name));

        Assert.Equal([("deploy", "run2", "post"), ("nightly", "run1", "fetch")], uses.Select(u => (u.Workflow!, u.RunId, u.NodeId)));
        Assert.Equal("store.permission_denied", denied.Code);
        await store.DeleteAsync(Admin, SecretScope.Project, "web", name);
        await store.SetAsync(Admin, StoreFixture.Write("K", "v", SecretScope.Project, "web"));
        Assert.Empty(await store.UsagesAsync(Admin, SecretScope.Project, "web", name));
    }

    [StoreFact]
    public async Task A_page_with_members_gives_each_secret_the_explicit_members_a_single_read_gives()
    {
        using var store = await _fixture.OpenAsync();
        var writer = new Principal("wendy", [new RoleGrant(SecretScope.Project, "web", SecretRole.Writer)]);
        var shared = SecretName.Parse("A_SHARED");
        await store.SetAsync(writer, StoreFixture.Write("A_SHARED", "v", SecretScope.Project, "web"));
        await store.SetAsync(writer, StoreFixture.Write("B_PLAIN", "v", SecretScope.Project, "web"));
        await store.SetAsync(Admin, StoreFixture.Write("C_BY_ADMIN", "v", SecretScope.Project, "web"));
        await store.SetAsync(Admin, StoreFixture.Write("D_MINE", "v", SecretScope.Personal, Admin.UserId));
        await store.PutMemberAsync(writer, SecretScope.Project, "web", shared, "mallory", Secrets.Runtime.Store.Access.SecretMemberRole.Member);
        await store.PutMemberAsync(writer, SecretScope.Project, "web", shared, "bob", Secrets.Runtime.Store.Access.SecretMemberRole.Admin);
        await store.PutMemberAsync(writer, SecretScope.Project, "web", shared, "pat", Secrets.Runtime.Store.Access.SecretMemberRole.Member);

        // Pat becomes an admin of the project: an implicit admin from then on, no longer an explicit member; so is
        // alice, whose row as C_BY_ADMIN's creator stays but is not listed.
        await store.Access.GrantAsync(Admin, "pat", new RoleGrant(SecretScope.Project, "web", SecretRole.Admin));
        await store.Access.GrantAsync(Admin, Admin.UserId, new RoleGrant(SecretScope.Project, "web", SecretRole.Admin));

        var page = await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true });
        var plain = await store.ListPageAsync(Admin, new SecretPageQuery());

        Assert.Equal(["D_MINE", "A_SHARED", "B_PLAIN", "C_BY_ADMIN"], page.Items.Select(m => m.Name.Value));
        foreach (var item in page.Items)
        {
            var single = await store.MembersAsync(Admin, item.Scope, item.Owner, item.Name);
            Assert.Equal(single.Where(m => !m.Implicit).Select(m => (m.UserId, m.Role)), item.Members!.Select(m => (m.UserId, m.Role)));
        }

        Assert.Equal([("bob", "Admin"), ("mallory", "Member"), ("wendy", "Admin")], page.Items[1].Members!.Select(m => (m.UserId, m.Role.ToString())));
        Assert.All(page.Items[1].Members!, m => Assert.False(m.Implicit));
        Assert.Equal("wendy", page.Items[1].Members!.Single(m => m.UserId == "bob").AddedBy);
        Assert.Empty(page.Items[0].Members!);
        Assert.Empty(page.Items[3].Members!);
        Assert.All(plain.Items, m => Assert.Null(m.Members));
    }

    [StoreFact]
    public async Task A_member_listing_with_members_sees_only_the_secrets_it_may_use_and_their_members()
    {
        using var store = await _fixture.OpenAsync();
        var writer = new Principal("wendy", [new RoleGrant(SecretScope.Project, "web", SecretRole.Writer)]);
        await store.SetAsync(writer, StoreFixture.Write("SHARED", "v", SecretScope.Project, "web"));
        await store.SetAsync(writer, StoreFixture.Write("PRIVATE", "v", SecretScope.Project, "web"));
        await store.PutMemberAsync(writer, SecretScope.Project, "web", SecretName.Parse("SHARED"), "mallory", Secrets.Runtime.Store.Access.SecretMemberRole.Member);

        var page = await store.ListPageAsync(new Principal("mallory", []), new SecretPageQuery { IncludeMembers = true });

        var only = Assert.Single(page.Items);
        Assert.Equal("SHARED", only.Name.Value);
        Assert.Equal(["mallory", "wendy"], only.Members!.Select(m => m.UserId));
    }

    [StoreFact]
    public async Task A_row_changed_by_another_connection_is_seen_by_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v") with { Description = "before" });
        var first = await store.ListPageAsync(Admin, new SecretPageQuery());

        // Outside the store, as the CLI in another process or a hand edit would.
        await _fixture.ExecuteAsync("UPDATE secrets SET description = 'changed by hand' WHERE name = 'A'");
        var second = await store.ListPageAsync(Admin, new SecretPageQuery());

        Assert.Equal("before", Assert.Single(first.Items).Description);
        Assert.Equal("changed by hand", Assert.Single(second.Items).Description);
    }

    [StoreFact]
    public async Task A_write_through_another_store_on_the_same_database_is_seen_by_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        using var other = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v"));
        var first = await store.ListPageAsync(Admin, new SecretPageQuery());

        await other.SetAsync(Admin, StoreFixture.Write("B", "v"));
        await other.DescribeAsync(Admin, SecretScope.Organization, "default", SecretName.Parse("A"), "from the other store");
        var second = await store.ListPageAsync(Admin, new SecretPageQuery());

        Assert.Equal(["A"], first.Items.Select(m => m.Name.Value));
        Assert.Equal(["A", "B"], second.Items.Select(m => m.Name.Value));
        Assert.Equal("from the other store", second.Items[0].Description);
    }

    [StoreFact]
    public async Task A_write_by_this_store_is_seen_by_the_next_page_at_once()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("A", "v1"));
        var first = await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true });

        await store.SetAsync(Admin, StoreFixture.Write("A", "v2"));
        await store.SetAsync(Admin, StoreFixture.Write("B", "v"));
        await store.DeleteAsync(Admin, SecretScope.Organization, "default", SecretName.Parse("A"));
        var second = await store.ListPageAsync(Admin, new SecretPageQuery { IncludeMembers = true });

        Assert.Equal([("A", 1)], first.Items.Select(m => (m.Name.Value, m.Version)));
        Assert.Equal([("B", 1)], second.Items.Select(m => (m.Name.Value, m.Version)));
    }

    [StoreFact]
    public async Task A_caller_with_fewer_rights_listing_the_same_query_right_after_an_admin_gets_only_its_own_rows()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Admin, StoreFixture.Write("PUBLIC", "v", SecretScope.Project, "web"));
        await store.SetAsync(Admin, StoreFixture.Write("SECRET", "v", SecretScope.Project, "vault"));
        await store.SetAsync(Admin, StoreFixture.Write("ORG", "v"));
        var bob = new Principal("bob", [new RoleGrant(SecretScope.Project, "web", SecretRole.Reader)]);
        var query = new SecretPageQuery { IncludeMembers = true, IncludeSystem = true };

        // The admin's page first, so whatever it leaves behind is there when bob asks the same thing.
        var admin = await store.ListPageAsync(Admin, query);
        var asBob = await store.ListPageAsync(bob, query);
        var adminAgain = await store.ListPageAsync(Admin, query);

        Assert.Equal(["ORG", "SECRET", "PUBLIC"], admin.Items.Select(m => m.Name.Value));
        Assert.Equal(["PUBLIC"], asBob.Items.Select(m => m.Name.Value));
        Assert.Equal(Secrets.Runtime.Store.Access.SecretMemberRole.Member, asBob.Items[0].MyRole);
        Assert.All(adminAgain.Items, m => Assert.Equal(Secrets.Runtime.Store.Access.SecretMemberRole.Admin, m.MyRole));
    }

    [StoreFact]
    public async Task A_removed_member_no_longer_sees_the_secret_at_the_next_page()
    {
        using var store = await _fixture.OpenAsync();
        var writer = new Principal("wendy", [new RoleGrant(SecretScope.Project, "web", SecretRole.Writer)]);
        var mallory = new Principal("mallory", []);
        await store.SetAsync(writer, StoreFixture.Write("SHARED", "v", SecretScope.Project, "web"));
        await store.SetAsync(writer, StoreFixture.Write("OTHER", "v", SecretScope.Project, "web"));
        await store.PutMemberAsync(writer, SecretScope.Project, "web", SecretName.Parse("SHARED"), "mallory", Secrets.Runtime.Store.Access.SecretMemberRole.Member);
        await store.PutMemberAsync(writer, SecretScope.Project, "web", SecretName.Parse("OTHER"), "mallory", Secrets.Runtime.Store.Access.SecretMemberRole.Member);
        var before = await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true });

        await store.RemoveMemberAsync(writer, SecretScope.Project, "web", SecretName.Parse("SHARED"), "mallory");
        var afterRemove = await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true });

        // Removed outside this store (another process, or by hand): gone at the next page too.
        await _fixture.ExecuteAsync("DELETE FROM secret_members WHERE user_id = 'mallory'");
        var afterHand = await store.ListPageAsync(mallory, new SecretPageQuery { IncludeMembers = true });

        Assert.Equal(["OTHER", "SHARED"], before.Items.Select(m => m.Name.Value));
        Assert.Equal(["OTHER"], afterRemove.Items.Select(m => m.Name.Value));
        Assert.Empty(afterHand.Items);
    }
}
