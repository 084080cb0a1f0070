using Microsoft.Extensions.Time.Testing;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>Users, grants and tokens, run unchanged against each backend. Raw SQL is what an attacker with database access would read.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class AccessStoreContractTests : IDisposable
{
    private readonly StoreFixture _fixture;

    private protected AccessStoreContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    [StoreFact]
    public async Task Bootstrap_on_an_empty_store_makes_one_admin_token_and_never_again()
    {
        using var store = await _fixture.OpenAsync();

        var first = await store.Access.BootstrapAsync();
        var second = await store.Access.BootstrapAsync("mallory");

        Assert.NotNull(first);
        Assert.Null(second);
        var result = await store.Access.AuthenticateAsync(first.Token.Bearer);
        Assert.True(result.Succeeded);
        Assert.Equal("admin", result.Principal.UserId);
        Assert.True(result.Principal.IsStoreAdmin);
        Assert.All(TokenScopes.All, scope => Assert.True(result.Principal.HasScope(scope)));
        Assert.Equal(first.Token.Info.Id, result.Principal.TokenId);
        Assert.Single(await store.Access.ListTokensAsync(result.Principal));
    }

    [StoreFact]
    public async Task Concurrent_bootstraps_on_an_empty_store_make_exactly_one_admin_token()
    {
        using var first = await _fixture.OpenAsync();
        var stores = new List<SecretStore> { first };
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await _fixture.OpenAsync());
        }

        try
        {
            var results = await Task.WhenAll(stores.Select(s => s.Access.BootstrapAsync()));

            var winner = Assert.Single(results, r => r is not null);
            Assert.Single(await first.Access.ListTokensAsync(StoreFixture.Admin));
            Assert.True((await first.Access.AuthenticateAsync(winner!.Token.Bearer)).Succeeded);
        }
        finally
        {
            foreach (var store in stores.Skip(1))
            {
                await store.DisposeAsync();
            }
        }
    }

    [StoreFact]
    public async Task A_token_is_random_stored_only_as_its_hash_and_never_listed_or_audited()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);

        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", Scopes = [TokenScopes.SecretsRead] });
        var other = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", Scopes = [TokenScopes.SecretsRead] });

        Assert.StartsWith("srt_" + issued.Info.Id + "_", issued.Bearer, StringComparison.Ordinal);
        Assert.NotEqual(issued.Bearer, other.Bearer);
        Assert.True(Convert.FromBase64String(await _fixture.ScalarAsync($"SELECT hash FROM tokens WHERE id = '{issued.Info.Id}'")).Length == 32);
        var secretPart = issued.Bearer[("srt_".Length + 16 + 1)..];
        Assert.True(System.Buffers.Text.Base64Url.DecodeFromChars(secretPart).Length >= 32);
        var dump = await _fixture.ScalarAsync($"SELECT id || name || user_id || scopes || created_by FROM tokens WHERE id = '{issued.Info.Id}'");
        var audit = string.Join('\n', (await store.AuditAsync(admin, null)).Select(e => e.ToString()));
        var listed = string.Join('\n', (await store.Access.ListTokensAsync(admin)).Select(t => t.ToString()));
        foreach (var text in new[] { dump, audit, listed, issued.ToString(), issued.Info.ToString() })
        {
            Assert.DoesNotContain(secretPart, text, StringComparison.Ordinal);
        }

        Assert.Contains(issued.Info.Id, audit, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Tokens_that_are_malformed_tampered_or_unknown_fail_as_unknown()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        var last = issued.Bearer[^1] == 'A' ? 'B' : 'A';

        string[] attempts =
        [
            "", "srt_", "Bearer " + issued.Bearer, issued.Bearer + "x", issued.Bearer[..^1] + last, issued.Bearer.ToUpperInvariant(),
            "srt_0000000000000000_" + issued.Bearer[21..], issued.Bearer.Replace(issued.Info.Id, "' OR 1=1 --'".PadRight(16, 'a')[..16], StringComparison.Ordinal),
        ];
        foreach (var attempt in attempts)
        {
            var result = await store.Access.AuthenticateAsync(attempt);
            Assert.False(result.Succeeded);
            Assert.Equal(AuthenticationFailure.Unknown, result.Failure);
        }

        Assert.True((await store.Access.AuthenticateAsync(issued.Bearer)).Succeeded);
    }

    [StoreFact]
    public async Task A_revoked_token_fails_as_revoked_at_once()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        Assert.True((await store.Access.AuthenticateAsync(issued.Bearer)).Succeeded);

        await store.Access.RevokeTokenAsync(admin, issued.Info.Id);

        var result = await store.Access.AuthenticateAsync(issued.Bearer);
        Assert.Equal(AuthenticationFailure.Revoked, result.Failure);
        Assert.NotNull((await store.Access.ListTokensAsync(admin)).Single(t => t.Id == issued.Info.Id).RevokedAt);
        var missing = await Assert.ThrowsAsync<StoreException>(() => store.Access.RevokeTokenAsync(admin, issued.Bearer));
        Assert.Equal("access.token_not_found", missing.Code);
        Assert.DoesNotContain(issued.Bearer[21..], missing.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task An_expired_token_fails_as_expired_and_an_expiry_in_the_past_is_refused()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        using var store = await SecretStore.OpenAsync(_fixture.Options, clock, CancellationToken.None);
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", ExpiresAt = clock.GetUtcNow().AddDays(30) });
        Assert.True((await store.Access.AuthenticateAsync(issued.Bearer)).Succeeded);

        await _fixture.ExecuteAsync($"UPDATE tokens SET expires_at = @at WHERE id = '{issued.Info.Id}'",
            ("at", _fixture.Backend == StoreBackend.Sqlite ? "2020-01-01T00:00:00.0000000Z" : new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        // A row changed by hand is seen within MaxStaleness at the latest (SQLite sees any commit to the file at once).
        clock.Advance(_fixture.MaxStaleness);
        Assert.Equal(AuthenticationFailure.Expired, (await store.Access.AuthenticateAsync(issued.Bearer)).Failure);
        var past = await Assert.ThrowsAsync<StoreException>(() => store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "old", UserId = "bob", ExpiresAt = clock.GetUtcNow().AddMinutes(-1) }));
        Assert.Equal("access.token_expiry_past", past.Code);
    }

    [StoreFact]
    public async Task The_principal_carries_the_users_grants_as_they_are_now_and_the_tokens_scopes()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", Scopes = [TokenScopes.SecretsRead, TokenScopes.RunsExecute] });
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Writer));

        var before = (await store.Access.AuthenticateAsync(issued.Bearer)).Principal!;
        await store.Access.RevokeGrantAsync(admin, "bob", SecretScope.Project, "billing");
        var after = (await store.Access.AuthenticateAsync(issued.Bearer)).Principal!;

        Assert.True(before.Has(SecretScope.Project, "billing", SecretRole.Writer));
        Assert.False(before.Has(SecretScope.Project, "other", SecretRole.Reader));
        Assert.False(after.Has(SecretScope.Project, "billing", SecretRole.Reader));
        Assert.True(before.HasScope(TokenScopes.RunsExecute));
        Assert.False(before.HasScope(TokenScopes.SecretsWrite));
        Assert.NotNull((await store.Access.ListTokensAsync(admin, "bob")).Single().LastUsedAt);
    }

    [StoreFact]
    public async Task A_token_cannot_mint_a_token_for_another_user_or_with_a_scope_it_lacks()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Admin));
        var bobToken = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "bob", UserId = "bob", Scopes = [TokenScopes.TokensManage, TokenScopes.SecretsRead] });
        var bob = (await store.Access.AuthenticateAsync(bobToken.Bearer)).Principal!;

        var forAdmin = await Assert.ThrowsAsync<StoreException>(() => store.Access.CreateTokenAsync(bob, new TokenRequest { Name = "x", UserId = "admin", Scopes = [TokenScopes.SecretsRead] }));
        var wider = await Assert.ThrowsAsync<StoreException>(() => store.Access.CreateTokenAsync(bob, new TokenRequest { Name = "x", UserId = "bob", Scopes = [TokenScopes.SecretsAdmin] }));
        var revokeAdmins = await Assert.ThrowsAsync<StoreException>(() => store.Access.RevokeTokenAsync(bob, admin.TokenId!));
        var own = await store.Access.CreateTokenAsync(bob, new TokenRequest { Name = "narrow", UserId = "bob", Scopes = [TokenScopes.SecretsRead] });

        Assert.Equal(("access.permission_denied", ErrorKind.PermissionDenied), (forAdmin.Code, forAdmin.Kind));
        Assert.Equal("access.token_scope_not_held", wider.Code);
        Assert.Equal("access.permission_denied", revokeAdmins.Code);
        Assert.True((await store.Access.AuthenticateAsync(own.Bearer)).Succeeded);
        Assert.All(await store.Access.ListTokensAsync(bob), t => Assert.Equal("bob", t.UserId));
    }

    [StoreFact]
    public async Task Only_an_admin_of_the_scope_grants_roles_there_and_never_on_personal_secrets()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Admin));
        var bob = await store.Access.PrincipalAsync("bob");

        await store.Access.GrantAsync(bob, "carol", new RoleGrant(SecretScope.Project, "billing", SecretRole.Reader));
        var elsewhere = await Assert.ThrowsAsync<StoreException>(() => store.Access.GrantAsync(bob, "carol", new RoleGrant(SecretScope.Project, "payroll", SecretRole.Reader)));
        var everywhere = await Assert.ThrowsAsync<StoreException>(() => store.Access.GrantAsync(bob, "bob", new RoleGrant(SecretScope.Project, "*", SecretRole.Admin)));
        var personal = await Assert.ThrowsAsync<StoreException>(() => store.Access.GrantAsync(admin, "carol", new RoleGrant(SecretScope.Personal, "bob", SecretRole.Reader)));
        var missing = await Assert.ThrowsAsync<StoreException>(() => store.Access.RevokeGrantAsync(admin, "carol", SecretScope.Organization, "acme"));

        Assert.Equal("access.permission_denied", elsewhere.Code);
        Assert.Equal("access.permission_denied", everywhere.Code);
        Assert.Equal("access.grant_scope_invalid", personal.Code);
        Assert.Equal("access.grant_not_found", missing.Code);
        Assert.Equal(["bob", "carol"], (await store.Access.ListGrantsAsync(bob)).Select(g => g.UserId).Order(StringComparer.Ordinal));
        Assert.Contains(await store.AuditAsync(admin, null), e => e.Action == "grant" && e.Detail == "user 'carol' is reader");
    }

    [StoreFact]
    public async Task A_token_without_secrets_admin_cannot_grant_even_for_a_store_admin()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var readOnly = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ro", UserId = "admin", Scopes = [TokenScopes.SecretsRead] });
        var principal = (await store.Access.AuthenticateAsync(readOnly.Bearer)).Principal!;

        var ex = await Assert.ThrowsAsync<StoreException>(() => store.Access.GrantAsync(principal, "mallory", new RoleGrant(SecretScope.Organization, "*", SecretRole.Admin)));

        Assert.Equal("access.scope_missing", ex.Code);
        Assert.DoesNotContain(await store.Access.ListGrantsAsync(admin), g => g.UserId == "mallory");
    }

    [StoreFact]
    public async Task A_remembered_authentication_reads_no_row_and_gives_the_same_principal()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", Scopes = [TokenScopes.SecretsRead] });
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Reader));
        var first = await RememberedAsync(store, issued.Bearer);

        var reads = store.Access.TokenReads;
        var again = await store.Access.AuthenticateAsync(issued.Bearer);

        Assert.Equal(reads, store.Access.TokenReads);
        Assert.Same(first, again.Principal);
        Assert.Equal("bob", again.Principal!.UserId);
        Assert.True(again.Principal.Has(SecretScope.Project, "billing", SecretRole.Reader));
    }

    [StoreFact]
    public async Task A_remembered_token_revoked_through_this_store_is_refused_at_once()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        await RememberedAsync(store, issued.Bearer);

        await store.Access.RevokeTokenAsync(admin, issued.Info.Id);

        Assert.Equal(AuthenticationFailure.Revoked, (await store.Access.AuthenticateAsync(issued.Bearer)).Failure);
    }

    [StoreFact]
    public async Task A_remembered_token_revoked_by_another_host_is_refused_once_this_host_has_caught_up()
    {
        using var store = await _fixture.OpenAsync();
        await using var other = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        await RememberedAsync(store, issued.Bearer);

        await other.Access.RevokeTokenAsync(admin, issued.Info.Id);
        await CatchUpAsync(store);

        Assert.Equal(AuthenticationFailure.Revoked, (await store.Access.AuthenticateAsync(issued.Bearer)).Failure);
    }

    [StoreFact]
    public async Task A_user_who_lost_a_grant_on_another_host_loses_it_here_once_this_host_has_caught_up()
    {
        using var store = await _fixture.OpenAsync();
        await using var other = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Writer));
        Assert.True((await RememberedAsync(store, issued.Bearer)).Has(SecretScope.Project, "billing", SecretRole.Writer));

        await other.Access.RevokeGrantAsync(admin, "bob", SecretScope.Project, "billing");
        await CatchUpAsync(store);

        Assert.False((await store.Access.AuthenticateAsync(issued.Bearer)).Principal!.Has(SecretScope.Project, "billing", SecretRole.Reader));
    }

    [StoreFact]
    public async Task A_user_who_lost_a_grant_through_this_store_loses_it_at_once()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Admin));
        await RememberedAsync(store, issued.Bearer);

        await store.Access.GrantAsync(admin, "bob", new RoleGrant(SecretScope.Project, "billing", SecretRole.Reader));

        var lowered = (await store.Access.AuthenticateAsync(issued.Bearer)).Principal!;
        Assert.True(lowered.Has(SecretScope.Project, "billing", SecretRole.Reader));
        Assert.False(lowered.Has(SecretScope.Project, "billing", SecretRole.Writer));
    }

    [StoreFact]
    public async Task A_remembered_token_that_expires_is_refused_as_expired_without_reading_its_row()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        using var store = await SecretStore.OpenAsync(_fixture.Options, clock, CancellationToken.None);
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob", ExpiresAt = clock.GetUtcNow().AddSeconds(2) });
        await RememberedAsync(store, issued.Bearer);

        // Still within the entry's lifetime (MaxStaleness, 5 s), past the token's expiry.
        clock.Advance(TimeSpan.FromSeconds(3));
        var reads = store.Access.TokenReads;

        Assert.Equal(AuthenticationFailure.Expired, (await store.Access.AuthenticateAsync(issued.Bearer)).Failure);
        Assert.Equal(reads, store.Access.TokenReads);
    }

    [StoreFact]
    public async Task A_remembered_authentication_is_read_again_after_max_staleness()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        using var store = await SecretStore.OpenAsync(_fixture.Options, clock, CancellationToken.None);
        var admin = await BootstrapAsync(store);
        var issued = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "ci", UserId = "bob" });
        await RememberedAsync(store, issued.Bearer);

        clock.Advance(_fixture.MaxStaleness);
        var reads = store.Access.TokenReads;
        Assert.True((await store.Access.AuthenticateAsync(issued.Bearer)).Succeeded);

        Assert.Equal(reads + 1, store.Access.TokenReads);
    }

    [StoreFact]
    public async Task A_token_never_authenticates_as_a_remembered_one_with_the_same_id_or_prefix()
    {
        using var store = await _fixture.OpenAsync();
        var admin = await BootstrapAsync(store);
        var bob = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "bob", UserId = "bob" });
        var carol = await store.Access.CreateTokenAsync(admin, new TokenRequest { Name = "carol", UserId = "carol" });
        await RememberedAsync(store, bob.Bearer);

        // Bob's id with another secret of the right shape, one character changed, a prefix, an extension, another case.
        var prefix = bob.Bearer[..("srt_".Length + 16 + 1)];
        var forged = prefix + carol.Bearer[prefix.Length..];
        var flipped = bob.Bearer[..^1] + (bob.Bearer[^1] == 'A' ? 'B' : 'A');
        foreach (var attempt in new[] { forged, flipped, bob.Bearer[..^1], bob.Bearer + "A", bob.Bearer.ToUpperInvariant() })
        {
            var result = await store.Access.AuthenticateAsync(attempt);
            Assert.False(result.Succeeded);
            Assert.Equal(AuthenticationFailure.Unknown, result.Failure);
        }

        Assert.Equal("carol", (await store.Access.AuthenticateAsync(carol.Bearer)).Principal!.UserId);
        Assert.Equal("bob", (await store.Access.AuthenticateAsync(bob.Bearer)).Principal!.UserId);
    }

    /// <summary>
    /// Authenticates until the store remembers the token (the first read records its last use, a write that SQLite's
    /// data version sees), and returns the principal.
    /// </summary>
    private static async Task<Principal> RememberedAsync(SecretStore store, string bearer)
    {
        for (var i = 0; i < 3; i++)
        {
            var result = await store.Access.AuthenticateAsync(bearer);
            Assert.True(result.Succeeded);
            var reads = store.Access.TokenReads;
            var again = await store.Access.AuthenticateAsync(bearer);
            if (store.Access.TokenReads == reads)
            {
                return again.Principal!;
            }
        }

        throw new Xunit.Sdk.XunitException("the store never remembered the authentication");
    }

    /// <summary>What this host does within MaxStaleness at the latest: PostgreSQL polls the change feed; SQLite has nothing to catch up.</summary>
    private static async Task CatchUpAsync(SecretStore store)
    {
        if (store.Rows is Secrets.Runtime.Store.Postgres.PostgresSecretRows postgres)
        {
            await postgres.Feed.PollAsync(CancellationToken.None);
        }
    }

    private static async Task<Principal> BootstrapAsync(SecretStore store)
    {
        var boot = await store.Access.BootstrapAsync();
        return (await store.Access.AuthenticateAsync(boot!.Token.Bearer)).Principal!;
    }
}
