using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>Per-secret members and principal-checked value reads, run unchanged against each backend.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SecretMemberContractTests : IDisposable
{
    private const string Project = "billing";
    private static readonly Principal Root = StoreFixture.Admin;
    private static readonly SecretName Name = SecretName.Parse("STRIPE_KEY");
    private static readonly Principal Writer = new("wendy", [new RoleGrant(SecretScope.Project, Project, SecretRole.Writer)]);
    private static readonly Principal OtherWriter = new("walt", [new RoleGrant(SecretScope.Project, Project, SecretRole.Writer)]);
    private static readonly Principal Outsider = new("mallory", [new RoleGrant(SecretScope.Project, "elsewhere", SecretRole.Admin)]);
    private readonly StoreFixture _fixture;

    private protected SecretMemberContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    [StoreFact]
    public async Task The_creator_is_the_first_admin_and_another_writer_of_the_scope_is_only_a_member()
    {
        using var store = await _fixture.OpenAsync();
        var created = await store.SetAsync(Writer, Write("sk_live_one"));

        var seen = await store.GetAsync(OtherWriter, SecretScope.Project, Project, Name);
        var replace = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(OtherWriter, Write("sk_live_two")));
        var delete = await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(OtherWriter, SecretScope.Project, Project, Name));

        Assert.Equal(SecretMemberRole.Admin, created.MyRole);
        Assert.Equal(SecretMemberRole.Member, seen!.MyRole);
        Assert.All([replace, delete], ex => Assert.Equal(("store.permission_denied", ErrorKind.PermissionDenied), (ex.Code, ex.Kind)));
        Assert.Equal("sk_live_one", await StoreFixture.ReadAsync(store, "STRIPE_KEY", SecretScope.Project, Project));
        var members = await store.MembersAsync(Writer, SecretScope.Project, Project, Name);
        Assert.Contains(members, m => m is { UserId: "wendy", Role: SecretMemberRole.Admin, Implicit: false });
    }

    [StoreFact]
    public async Task A_member_sees_and_uses_the_secret_but_may_not_change_it_or_its_members()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Writer, Write("sk_live_one"));
        await store.PutMemberAsync(Writer, SecretScope.Project, Project, Name, "mallory", SecretMemberRole.Member);

        var seen = await store.GetAsync(Outsider, SecretScope.Project, Project, Name);
        var listed = await store.ListAsync(Outsider, new SecretListQuery());
        var paged = await store.ListPageAsync(Outsider, new Secrets.Runtime.Store.Listing.SecretPageQuery { Limit = 1 });
        var used = await Reader(store).ReadManyAsync(Outsider, [Key()], 0, CancellationToken.None);
        var replace = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(Outsider, Write("stolen")));
        var share = await Assert.ThrowsAsync<StoreException>(() => store.PutMemberAsync(Outsider, SecretScope.Project, Project, Name, "eve", SecretMemberRole.Member));
        var promote = await Assert.ThrowsAsync<StoreException>(() => store.PutMemberAsync(Outsider, SecretScope.Project, Project, Name, "mallory", SecretMemberRole.Admin));

        Assert.Equal(SecretMemberRole.Member, seen!.MyRole);
        Assert.Equal([Name], listed.Select(m => m.Name));
        Assert.Equal((Name, SecretMemberRole.Member), (Assert.Single(paged.Items).Name, paged.Items[0].MyRole!.Value));
        Assert.Null(paged.NextCursor);
        Assert.Equal("sk_live_one", Assert.Single(used).Value);
        Assert.All([replace, share, promote], ex => Assert.Equal("store.permission_denied", ex.Code));
        Assert.DoesNotContain(await store.MembersAsync(Writer, SecretScope.Project, Project, Name), m => m.UserId == "eve" || m is { UserId: "mallory", Role: SecretMemberRole.Admin });
    }

    [StoreFact]
    public async Task A_scope_admin_is_an_implicit_admin_who_cannot_be_removed_or_demoted()
    {
        using var store = await _fixture.OpenAsync();
        await store.Access.GrantAsync(Root, "olga", new RoleGrant(SecretScope.Project, Project, SecretRole.Admin));
        var olga = await store.Access.PrincipalAsync("olga");
        await store.SetAsync(Writer, Write("sk_live_one"));

        var remove = await Assert.ThrowsAsync<StoreException>(() => store.RemoveMemberAsync(Writer, SecretScope.Project, Project, Name, "olga"));
        var demote = await Assert.ThrowsAsync<StoreException>(() => store.PutMemberAsync(Writer, SecretScope.Project, Project, Name, "olga", SecretMemberRole.Member));
        var asAdmin = await store.SetAsync(olga, Write("sk_live_two"));

        Assert.All([remove, demote], ex => Assert.Equal(("store.member_implicit_admin", ErrorKind.Refused), (ex.Code, ex.Kind)));
        Assert.Equal(SecretMemberRole.Admin, asAdmin.MyRole);
        Assert.Contains(await store.MembersAsync(Writer, SecretScope.Project, Project, Name), m => m is { UserId: "olga", Implicit: true, Role: SecretMemberRole.Admin });
    }

    [StoreFact]
    public async Task The_last_explicit_admin_cannot_be_removed_or_demoted_until_another_admin_exists()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Writer, Write("sk_live_one"));

        var remove = await Assert.ThrowsAsync<StoreException>(() => store.RemoveMemberAsync(Writer, SecretScope.Project, Project, Name, "wendy"));
        var demote = await Assert.ThrowsAsync<StoreException>(() => store.PutMemberAsync(Writer, SecretScope.Project, Project, Name, "wendy", SecretMemberRole.Member));
        await store.PutMemberAsync(Writer, SecretScope.Project, Project, Name, "walt", SecretMemberRole.Admin);
        await store.RemoveMemberAsync(Writer, SecretScope.Project, Project, Name, "wendy");

        Assert.All([remove, demote], ex => Assert.Equal("store.member_last_admin", ex.Code));
        Assert.Equal(["walt"], (await store.MembersAsync(OtherWriter, SecretScope.Project, Project, Name)).Select(m => m.UserId));
        Assert.Contains(await store.AuditAsync(Root, null), e => e.Action == "member" && e.Detail == "user 'wendy' removed");
    }

    [StoreFact]
    public async Task A_personal_secret_cannot_be_shared_even_by_its_owner()
    {
        using var store = await _fixture.OpenAsync();
        var owner = new Principal("mallory", []);
        await store.SetAsync(owner, StoreFixture.Write("STRIPE_KEY", "mine", SecretScope.Personal, "mallory"));

        var share = await Assert.ThrowsAsync<StoreException>(() => store.PutMemberAsync(owner, SecretScope.Personal, "mallory", Name, "eve", SecretMemberRole.Member));

        Assert.Equal(("store.personal_not_shareable", ErrorKind.Refused), (share.Code, share.Kind));
        Assert.Equal(["mallory"], (await store.MembersAsync(owner, SecretScope.Personal, "mallory", Name)).Select(m => m.UserId));
    }

    [StoreFact]
    public async Task A_principal_without_access_gets_no_value_through_any_reader_method()
    {
        // Attack: every reader method asked, by a principal with no role on them, for secrets of every scope.
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Root, StoreFixture.Write("ORG_KEY", "org-needle-5d1c"));
        await store.SetAsync(Root, StoreFixture.Write("PROJ_KEY", "proj-needle-77aa", SecretScope.Project, Project));
        await store.SetAsync(new Principal("bob", []), StoreFixture.Write("BOB_KEY", "personal-needle-e3f0", SecretScope.Personal, "bob"));
        await store.SetAsync(Writer, Write("shared-needle-0b9e"));
        await store.PutMemberAsync(Writer, SecretScope.Project, Project, Name, "mallory", SecretMemberRole.Member);
        await store.RemoveMemberAsync(Writer, SecretScope.Project, Project, Name, "mallory");
        SecretKey[] keys =
        [
            new(SecretScope.Organization, "default", SecretName.Parse("ORG_KEY")), new(SecretScope.Project, Project, SecretName.Parse("PROJ_KEY")),
            new(SecretScope.Personal, "bob", SecretName.Parse("BOB_KEY")), Key(),
        ];
        var reader = Reader(store);
        var impostor = new Principal("mallory", [new RoleGrant(SecretScope.Project, "elsewhere", SecretRole.Admin)]) { ActingUser = "bob" };

        var many = await reader.ReadManyAsync(Outsider, keys, 0, CancellationToken.None);
        var all = await reader.ReadAllAsync(Outsider, CancellationToken.None);
        var one = new List<ResolvedSecret?>();
        foreach (var key in keys)
        {
            one.Add(await reader.TryReadAsync(Outsider, key.Scope, key.Owner, key.Name, CancellationToken.None));
            one.Add(await reader.TryReadAsync(impostor, key.Scope, key.Owner, key.Name, CancellationToken.None));
        }

        Assert.Empty(many);
        Assert.Empty(all);
        Assert.All(one, Assert.Null);
        Assert.Equal(3, (await reader.ReadManyAsync(Root, keys, 0, CancellationToken.None)).Count);
    }

    [StoreFact]
    public async Task A_token_without_runs_execute_reads_no_value_at_all()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(Root, StoreFixture.Write("ORG_KEY", "org-needle-5d1c"));
        var boot = await store.Access.BootstrapAsync();
        var readOnly = await store.Access.CreateTokenAsync((await store.Access.AuthenticateAsync(boot!.Token.Bearer)).Principal!,
            new TokenRequest { Name = "ro", UserId = "admin", Scopes = [TokenScopes.SecretsRead] });
        var principal = (await store.Access.AuthenticateAsync(readOnly.Bearer)).Principal!;
        var reader = Reader(store);
        var key = new SecretKey(SecretScope.Organization, "default", SecretName.Parse("ORG_KEY"));

        var errors = new[]
        {
            await Assert.ThrowsAsync<StoreException>(() => reader.TryReadAsync(principal, key.Scope, key.Owner, key.Name, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreException>(() => reader.ReadManyAsync(principal, [key], 0, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreException>(() => reader.ReadAllAsync(principal, CancellationToken.None)),
        };

        Assert.All(errors, ex => Assert.Equal("access.scope_missing", ex.Code));
        Assert.NotNull(await store.GetAsync(principal, key.Scope, key.Owner, key.Name));
    }

    private static ISecretValueReader Reader(SecretStore store) => store;

    private static SecretKey Key() => new(SecretScope.Project, Project, Name);

    private static SecretWrite Write(string value) => StoreFixture.Write("STRIPE_KEY", value, SecretScope.Project, Project);
}
