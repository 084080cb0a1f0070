using System.Reflection;
using System.Text;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// What every backend must do, run unchanged against each: <see cref="SqliteSecretStoreTests"/> and
/// <see cref="PostgresSecretStoreTests"/>. Raw SQL here is what an attacker with database access would run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SecretStoreContractTests : IDisposable
{
    private readonly StoreFixture _fixture;

    private protected SecretStoreContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    private protected StoreFixture Fixture => _fixture;

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    [StoreFact]
    public async Task A_value_round_trips_through_the_injection_path_and_versions_increase()
    {
        using var store = await _fixture.OpenAsync();

        var first = await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("stripe_key", "sk_live_first") with { Description = "Stripe" });
        var second = await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("STRIPE_KEY", "sk_live_second\nline two"));

        Assert.Equal((1, 2), (first.Version, second.Version));
        Assert.Equal("Stripe", second.Description);
        Assert.Equal(Encoding.UTF8.GetByteCount("sk_live_second\nline two"), second.ValueLength);
        Assert.Equal("sk_live_second\nline two", await StoreFixture.ReadAsync(store, "STRIPE_KEY"));
    }

    [StoreFact]
    public void No_public_member_of_the_runtime_returns_a_value()
    {
        // Write-only: the public surface exposes metadata, never a value; the reader interface is internal.
        var assembly = typeof(ISecretStore).Assembly;
        Assert.False(typeof(ISecretValueReader).IsPublic);
        Assert.False(typeof(ResolvedSecret).IsPublic);
        var publicTypes = assembly.GetExportedTypes();
        var offenders = publicTypes
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Select(m => (t, m)))
            .Where(x => x.m switch
            {
                MethodInfo mi => mi.ReturnType.Name.Contains("ResolvedSecret", StringComparison.Ordinal) || (mi.Name.Contains("Value", StringComparison.Ordinal) && mi.Name.StartsWith("Get", StringComparison.Ordinal) && x.t.Namespace == "Secrets.Runtime.Store"),
                PropertyInfo p => p.Name == "Value" && x.t.Namespace == "Secrets.Runtime.Store" && x.t != typeof(SecretName) && x.t != typeof(SecretWrite) && x.t != typeof(DotEnvEntry),
                _ => false,
            })
            .Select(x => $"{x.t.Name}.{x.m.Name}")
            .ToList();
        Assert.Empty(offenders);
        Assert.DoesNotContain(typeof(SecretMetadata).GetProperties(), p => p.PropertyType == typeof(byte[]) || p.Name.Contains("Value", StringComparison.Ordinal) && p.Name != nameof(SecretMetadata.ValueLength));
        Assert.DoesNotContain(typeof(ISecretStore).GetMethods(), m => m.ReturnType.ToString().Contains("String]", StringComparison.Ordinal) && !m.Name.Contains("Rotate", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task A_flipped_bit_fails_with_an_integrity_error_naming_the_secret()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("TARGET", "value-to-tamper"));
        var payload = Convert.FromBase64String(await _fixture.ScalarAsync("SELECT payload FROM secrets WHERE name = 'TARGET'"));
        payload[20] ^= 1;
        await _fixture.ExecuteAsync("UPDATE secrets SET payload = @payload WHERE name = 'TARGET'", ("payload", payload));

        var ex = await Assert.ThrowsAsync<StoreException>(() => StoreFixture.ReadAsync(store, "TARGET"));

        Assert.Equal(ErrorKind.Integrity, ex.Kind);
        Assert.Contains("TARGET", ex.Message, StringComparison.Ordinal);
        Assert.Contains("integrity", ex.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task A_ciphertext_copied_onto_another_row_fails_instead_of_decrypting()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("SOURCE", "value-of-source"));
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("VICTIM", "value-of-victim"));
        await _fixture.ExecuteAsync("UPDATE secrets SET key_id = (SELECT key_id FROM secrets WHERE name = 'SOURCE'), wrapped_key = (SELECT wrapped_key FROM secrets WHERE name = 'SOURCE'), payload = (SELECT payload FROM secrets WHERE name = 'SOURCE') WHERE name = 'VICTIM'");

        var ex = await Assert.ThrowsAsync<StoreException>(() => StoreFixture.ReadAsync(store, "VICTIM"));

        Assert.Equal("store.integrity", ex.Code);
        Assert.Contains("VICTIM", ex.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task A_version_rolled_back_in_the_row_fails_because_the_version_is_bound()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("ROLLED", "value-one"));
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("ROLLED", "value-two"));
        await _fixture.ExecuteAsync("UPDATE secrets SET version = 1 WHERE name = 'ROLLED'");

        await Assert.ThrowsAsync<StoreException>(() => StoreFixture.ReadAsync(store, "ROLLED"));
    }

    // The key ring is lazy: opening and listing metadata (names, versions, dates) need no key, so a wrong master key is
    // found, and refused, at the first read or write of a value, before anything is decrypted or written.
    [StoreFact]
    public async Task A_wrong_master_key_is_refused_at_the_first_read_or_write_naming_the_key_id_needed()
    {
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("A", "value-a"));
        }

        var needed = await _fixture.ScalarAsync("SELECT value FROM meta WHERE key = 'master_key_id'");
        _fixture.Environment["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(new byte[32]);

        using var wrong = await _fixture.OpenAsync();
        Assert.Equal(["A"], (await wrong.ListAsync(StoreFixture.Admin, new SecretListQuery())).Select(m => m.Name.Value));
        var read = await Assert.ThrowsAsync<StoreException>(() => StoreFixture.ReadAsync(wrong, "A"));
        var write = await Assert.ThrowsAsync<StoreException>(() => wrong.SetAsync(StoreFixture.Admin, StoreFixture.Write("B", "value-b")));

        foreach (var ex in new[] { read, write })
        {
            Assert.Equal("store.master_key_wrong", ex.Code);
            Assert.Contains(needed, ex.Message, StringComparison.Ordinal);
            Assert.Contains("SECRETS_RUNTIME_MASTER_KEY", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["A"], (await wrong.ListAsync(StoreFixture.Admin, new SecretListQuery())).Select(m => m.Name.Value));
    }

    [StoreFact]
    public async Task A_missing_master_key_is_refused_naming_the_key_id_and_no_new_key_is_made()
    {
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("A", "value-a"));
        }

        var needed = await _fixture.ScalarAsync("SELECT value FROM meta WHERE key = 'master_key_id'");
        _fixture.Environment.Remove("SECRETS_RUNTIME_MASTER_KEY");

        var ex = await Assert.ThrowsAsync<StoreException>(() => _fixture.OpenAsync());

        Assert.Equal("store.master_key_missing", ex.Code);
        Assert.Contains(needed, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_fixture.Home, "master.key")));
    }

    [StoreFact]
    public async Task A_malformed_master_key_is_refused()
    {
        foreach (var (key, expected) in new[] { ("bm90LTMyLWJ5dGVz", "holds 12 bytes"), ("!!!", "not base64") })
        {
            _fixture.Environment["SECRETS_RUNTIME_MASTER_KEY"] = key;

            var ex = await Assert.ThrowsAsync<StoreException>(() => _fixture.OpenAsync());

            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        }
    }

    [StoreFact]
    public async Task Without_the_variable_a_key_file_is_created_with_mode_0600_and_reused()
    {
        _fixture.Environment.Remove("SECRETS_RUNTIME_MASTER_KEY");
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("A", "value-a"));
        }

        var keyFile = Path.Combine(_fixture.Home, "master.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        using var reopened = await _fixture.OpenAsync();
        Assert.Equal("value-a", await StoreFixture.ReadAsync(reopened, "A"));
    }

    [StoreFact]
    public async Task A_key_file_readable_by_group_or_others_is_refused()
    {
        _fixture.Environment.Remove("SECRETS_RUNTIME_MASTER_KEY");
        (await _fixture.OpenAsync()).Dispose();
        var keyFile = Path.Combine(_fixture.Home, "master.key");
        foreach (var extra in new[] { UnixFileMode.GroupRead, UnixFileMode.OtherRead })
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

            var ex = await Assert.ThrowsAsync<StoreException>(() => _fixture.OpenAsync());

            Assert.Equal("store.key_file_permissions", ex.Code);
            Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
        }
    }

    [StoreFact]
    public async Task Rotation_rewraps_every_data_key_and_reads_work_before_during_and_after()
    {
        using var store = await _fixture.OpenAsync();
        for (var i = 0; i < 20; i++)
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write($"S{i}", $"value-{i}"));
        }

        var before = await _fixture.ScalarAsync("SELECT payload FROM secrets WHERE name = 'S3'");
        using var other = await _fixture.OpenAsync();
        var reads = Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                Assert.Equal("value-7", await StoreFixture.ReadAsync(other, "S7"));
            }
        });
        var newKey = await store.RotateKeyAsync(StoreFixture.Admin);
        await reads;

        Assert.Equal("1", await _fixture.ScalarAsync($"SELECT COUNT(DISTINCT key_id) FROM secrets"));
        Assert.Equal(newKey, await _fixture.ScalarAsync("SELECT key_id FROM secrets WHERE name = 'S0'"));
        Assert.Equal(before, await _fixture.ScalarAsync("SELECT payload FROM secrets WHERE name = 'S3'"));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"value-{i}", await StoreFixture.ReadAsync(store, $"S{i}"));
        }

        using var reopened = await _fixture.OpenAsync();
        Assert.Equal("value-19", await StoreFixture.ReadAsync(reopened, "S19"));
        var write = await reopened.SetAsync(StoreFixture.Admin, StoreFixture.Write("AFTER", "after-rotation"));
        Assert.Equal(newKey, await _fixture.ScalarAsync("SELECT key_id FROM secrets WHERE name = 'AFTER'"));
        Assert.Equal(1, write.Version);
    }

    [StoreFact]
    public async Task Two_stores_writing_at_once_never_lose_an_update()
    {
        using var a = await _fixture.OpenAsync();
        using var b = await _fixture.OpenAsync();
        await a.SetAsync(StoreFixture.Admin, StoreFixture.Write("COUNTER", "v0"));

        var writers = Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).SetAsync(StoreFixture.Admin, StoreFixture.Write("COUNTER", $"v{i + 1}"))));
        var versions = (await Task.WhenAll(writers)).Select(m => m.Version).Order().ToList();

        Assert.Equal(Enumerable.Range(2, 20), versions);
        var audit = await a.AuditAsync(StoreFixture.Admin, null);
        Assert.Equal(21, audit.Count(e => e.Name == "COUNTER"));
    }

    [StoreFact]
    public async Task A_check_and_set_on_a_stale_version_is_a_conflict_not_a_silent_overwrite()
    {
        using var a = await _fixture.OpenAsync();
        using var b = await _fixture.OpenAsync();
        var seen = await a.SetAsync(StoreFixture.Admin, StoreFixture.Write("CAS", "v1"));
        var fromB = await b.SetAsync(StoreFixture.Admin, StoreFixture.Write("CAS", "v2-from-b", expected: seen.Version));

        var ex = await Assert.ThrowsAsync<StoreException>(() => a.SetAsync(StoreFixture.Admin, StoreFixture.Write("CAS", "v2-from-a", expected: seen.Version)));

        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        var read = await ((ISecretValueReader)a).ReadManyAsync(StoreFixture.Admin, [new SecretKey(SecretScope.Organization, "default", SecretName.Parse("CAS"))], fromB.Change, CancellationToken.None);
        Assert.Equal("v2-from-b", Assert.Single(read).Value);
        await Assert.ThrowsAsync<StoreException>(() => a.SetAsync(StoreFixture.Admin, StoreFixture.Write("NEW", "x", expected: 1)));
    }

    [StoreFact]
    public async Task Readers_see_metadata_but_may_not_write_and_denials_name_the_permission()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("SHARED", "value", SecretScope.Project, "web"));
        var reader = new Principal("bob", [new RoleGrant(SecretScope.Project, "web", SecretRole.Reader)]);

        Assert.Single(await store.ListAsync(reader, new SecretListQuery()));
        var ex = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(reader, StoreFixture.Write("SHARED", "x", SecretScope.Project, "web")));
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains("admin role on the secret", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(reader, SecretScope.Project, "web", SecretName.Parse("SHARED")));
        await Assert.ThrowsAsync<StoreException>(() => store.RotateKeyAsync(reader));
        Assert.Empty(await store.ListAsync(new Principal("carol", []), new SecretListQuery()));
    }

    [StoreFact]
    public async Task Personal_secrets_belong_to_their_owner_alone_even_against_an_admin()
    {
        using var store = await _fixture.OpenAsync();
        var bob = Principal.LocalAdmin("bob");
        await store.SetAsync(bob, StoreFixture.Write("GH", "bob-token", SecretScope.Personal, "bob"));

        var ex = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(StoreFixture.Admin, StoreFixture.Write("GH", "x", SecretScope.Personal, "bob")));

        Assert.Contains("belong to their owner alone", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(StoreFixture.Admin, new SecretListQuery { Scope = SecretScope.Personal }));
        Assert.Single(await store.ListAsync(bob, new SecretListQuery { Scope = SecretScope.Personal }));
    }

    [StoreFact]
    public async Task System_secrets_are_hidden_from_list_and_refuse_user_changes_naming_the_integration()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetSystemAsync(StoreFixture.Admin, StoreFixture.Write("SLACK_OAUTH", "xoxb-token"), "slack");

        Assert.Empty(await store.ListAsync(StoreFixture.Admin, new SecretListQuery()));
        Assert.True(Assert.Single(await store.ListAsync(StoreFixture.Admin, new SecretListQuery { IncludeSystem = true })).IsSystem);
        var set = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(StoreFixture.Admin, StoreFixture.Write("SLACK_OAUTH", "mine")));
        var delete = await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(StoreFixture.Admin, SecretScope.Organization, "default", SecretName.Parse("SLACK_OAUTH")));
        Assert.All([set, delete], ex => Assert.Contains("integration 'slack'", ex.Message, StringComparison.Ordinal));
        var import = await Assert.ThrowsAsync<StoreException>(() => store.ImportAsync(StoreFixture.Admin, SecretScope.Organization, "default", DotEnvParser.Parse("SLACK_OAUTH=x"), dryRun: false));
        Assert.Contains("slack", import.Message, StringComparison.Ordinal);
        Assert.Equal("xoxb-token", await StoreFixture.ReadAsync(store, "SLACK_OAUTH"));
    }

    [StoreFact]
    public async Task Values_must_hold_1_byte_to_64_KiB()
    {
        using var store = await _fixture.OpenAsync();

        foreach (var (value, expected) in new[] { (string.Empty, "empty"), (new string('x', 64 * 1024 + 1), "64 KiB") })
        {
            var ex = await Assert.ThrowsAsync<StoreException>(() => store.SetAsync(StoreFixture.Admin, StoreFixture.Write("V", value)));
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(64 * 1024, (await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("V", new string('x', 64 * 1024)))).ValueLength);
    }

    [StoreFact]
    public async Task Every_change_is_audited_and_no_audit_entry_holds_a_value()
    {
        using var store = await _fixture.OpenAsync();
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("AUD", "audit-value-1"));
        await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("AUD", "audit-value-2"));
        await store.ImportAsync(StoreFixture.Admin, SecretScope.Project, "p", DotEnvParser.Parse("X=audit-value-3"), dryRun: false);
        await store.RotateKeyAsync(StoreFixture.Admin);
        await store.DeleteAsync(StoreFixture.Admin, SecretScope.Organization, "default", SecretName.Parse("AUD"));

        var audit = await store.AuditAsync(StoreFixture.Admin, null);

        Assert.Equal(["create", "update", "import", "import", "rotate", "delete"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("alice", a.Actor));
        Assert.DoesNotContain("audit-value", string.Join("|", audit), StringComparison.Ordinal);
        Assert.Empty(await store.AuditAsync(StoreFixture.Admin, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [StoreFact]
    public async Task Every_write_returns_a_larger_change_number_and_get_shows_it()
    {
        using var store = await _fixture.OpenAsync();

        var a = await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("CH_A", "value-a"));
        var b = await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("CH_B", "value-b"));
        var a2 = await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("CH_A", "value-a2"));

        Assert.True(a.Change > 0 && b.Change > a.Change && a2.Change > b.Change, $"{a.Change} {b.Change} {a2.Change}");
        Assert.Equal(a2.Change, (await store.GetAsync(StoreFixture.Admin, SecretScope.Organization, "default", SecretName.Parse("CH_A")))!.Change);
    }

    [StoreFact]
    public async Task Many_secrets_are_read_at_once_and_absent_ones_are_left_out()
    {
        using var store = await _fixture.OpenAsync();
        for (var i = 0; i < 30; i++)
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write($"M{i}", $"many-{i}", i % 2 == 0 ? SecretScope.Organization : SecretScope.Project, i % 2 == 0 ? "default" : "web"));
        }

        var keys = Enumerable.Range(0, 40).SelectMany(i => new[] { new SecretKey(SecretScope.Organization, "default", SecretName.Parse($"M{i}")), new SecretKey(SecretScope.Project, "web", SecretName.Parse($"M{i}")) }).ToList();
        var found = await ((ISecretValueReader)store).ReadManyAsync(StoreFixture.Admin, keys, 0, CancellationToken.None);

        Assert.Equal(30, found.Count);
        Assert.All(found, f => Assert.Equal($"many-{f.Name.Value[1..]}", f.Value));
        Assert.All(found, f => Assert.Equal(int.Parse(f.Name.Value[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? SecretScope.Organization : SecretScope.Project, f.Scope));
    }

    [StoreFact]
    public async Task A_second_store_on_the_same_data_reads_a_value_written_by_the_first()
    {
        using var writer = await _fixture.OpenAsync();
        using var reader = await _fixture.OpenAsync();
        Assert.Null(await StoreFixture.ReadAsync(reader, "SHARED_ONE"));

        var written = await writer.SetAsync(StoreFixture.Admin, StoreFixture.Write("SHARED_ONE", "from-the-writer"));

        // The writer sees its write at once; another store may serve what it cached for up to its staleness bound,
        // so it is asked for at least the write's change number, as a run started after the write is.
        Assert.Equal("from-the-writer", await StoreFixture.ReadAsync(writer, "SHARED_ONE"));
        var read = await ((ISecretValueReader)reader).ReadManyAsync(StoreFixture.Admin, [new SecretKey(SecretScope.Organization, "default", SecretName.Parse("SHARED_ONE"))], written.Change, CancellationToken.None);
        Assert.Equal("from-the-writer", Assert.Single(read).Value);
        await writer.DeleteAsync(StoreFixture.Admin, SecretScope.Organization, "default", SecretName.Parse("SHARED_ONE"));
        Assert.Null(await StoreFixture.ReadAsync(writer, "SHARED_ONE"));
    }
}
