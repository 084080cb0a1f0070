using System.Text.Json.Nodes;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// <c>secret versions|restore|members|share|unshare</c> as a user runs them: output, exit codes, JSON with
/// <c>--json</c>, the store's rules (last admin, implicit scope admins, personal secrets), and no value anywhere.
/// </summary>
public sealed class SecretHistoryAndMembersTests : IDisposable
{
    private const string First = "first-value-7c2a91";
    private const string Second = "second-value-e40b3d";

    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static void NoValue(params (int Code, string Out, string Err)[] runs)
    {
        foreach (var (_, output, error) in runs)
        {
            foreach (var value in new[] { First, Second })
            {
                Assert.DoesNotContain(value, output, StringComparison.Ordinal);
                Assert.DoesNotContain(value, error, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)), output, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(value)), output, StringComparison.Ordinal);
            }
        }
    }

    private async Task SetTwiceAsync(params string[] scope)
    {
        Assert.Equal(0, (await _cli.PipeAsync(First, ["secret", "set", "API_KEY", .. scope])).Code);
        Assert.Equal(0, (await _cli.PipeAsync(Second, ["secret", "set", "API_KEY", .. scope])).Code);
    }

    [Fact]
    public async Task Versions_lists_the_history_newest_first_as_a_table_and_as_json_without_values()
    {
        await SetTwiceAsync("--scope", "project", "--project", "web");

        var table = await _cli.RunAsync("secret", "versions", "API_KEY", "--scope", "project", "--project", "web");
        var json = await _cli.RunAsync("secret", "versions", "api_key", "--scope", "project", "--project", "web", "--json");

        Assert.Equal((0, 0), (table.Code, json.Code));
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("VERSION", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("2 ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("1 ", lines[2], StringComparison.Ordinal);
        var versions = JsonNode.Parse(json.Out)!.AsArray();
        Assert.Equal([2, 1], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.All(versions, v => Assert.Equal("set", v!["source"]!.GetValue<string>()));
        Assert.Equal(Second.Length, versions[0]!["length"]!.GetValue<int>());
        NoValue(table, json);
    }

    [Fact]
    public async Task Restore_makes_a_new_version_with_the_old_value_and_says_so_in_numbers_only()
    {
        await SetTwiceAsync();

        var restored = await _cli.RunAsync("secret", "restore", "API_KEY", "--version", "1");
        var versions = await _cli.RunAsync("secret", "versions", "API_KEY", "--json");

        Assert.Equal((0, "restored API_KEY in organization 'default' to the value of version 1 (now version 3, 18 bytes)"), (restored.Code, restored.Out.Trim()));
        var newest = JsonNode.Parse(versions.Out)!.AsArray()[0]!;
        Assert.Equal(("restore", 1), (newest["source"]!.GetValue<string>(), newest["restoredFrom"]!.GetValue<int>()));
        await using var store = await Store.SecretStore.OpenAsync(new Store.StoreOptions { Home = _cli.Home, Environment = _cli.Environment });
        var value = await ((Store.ISecretValueReader)store).TryReadAsync(Store.Principal.LocalAdmin("me"), Store.SecretScope.Organization, "default", Store.SecretName.Parse("API_KEY"), CancellationToken.None);
        Assert.Equal(First, value!.Value);
        NoValue(restored, versions);
    }

    [Theory]
    [InlineData("9", 2, "no version 9")]
    [InlineData("0", 2, "--version must be 1 to")]
    public async Task Restore_of_a_version_that_does_not_exist_is_refused_and_writes_nothing(string version, int code, string message)
    {
        await SetTwiceAsync();

        var refused = await _cli.RunAsync("secret", "restore", "API_KEY", "--version", version);
        var versions = await _cli.RunAsync("secret", "versions", "API_KEY", "--json");

        Assert.Equal(code, refused.Code);
        Assert.Empty(refused.Out);
        Assert.Contains(message, refused.Err, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(versions.Out)!.AsArray().Count);
        NoValue(refused);
    }

    [Fact]
    public async Task Share_members_and_unshare_change_who_may_use_a_secret()
    {
        await SetTwiceAsync("--scope", "project", "--project", "web");
        string[] at = ["--scope", "project", "--project", "web"];

        var shared = await _cli.RunAsync(["secret", "share", "API_KEY", "bob", .. at]);
        var promoted = await _cli.RunAsync(["secret", "share", "API_KEY", "carol", "--role", "admin", .. at]);
        var table = await _cli.RunAsync(["secret", "members", "API_KEY", .. at]);
        var json = await _cli.RunAsync(["secret", "members", "API_KEY", "--json", .. at]);
        var unshared = await _cli.RunAsync(["secret", "unshare", "API_KEY", "bob", .. at]);
        var after = await _cli.RunAsync(["secret", "members", "API_KEY", "--json", .. at]);

        Assert.Equal((0, "shared API_KEY in project 'web': bob is member"), (shared.Code, shared.Out.Trim()));
        Assert.Equal((0, "shared API_KEY in project 'web': carol is admin"), (promoted.Code, promoted.Out.Trim()));
        Assert.Equal(0, table.Code);
        Assert.Contains(table.Out.Split('\n'), l => l.StartsWith("bob ", StringComparison.Ordinal) && l.Contains("member", StringComparison.Ordinal) && l.Contains("explicit", StringComparison.Ordinal));
        var members = JsonNode.Parse(json.Out)!.AsArray().ToDictionary(m => m!["user"]!.GetValue<string>(), m => m!["role"]!.GetValue<string>());
        Assert.Equal("member", members["bob"]);
        Assert.Equal("admin", members["carol"]);
        Assert.Equal((0, "unshared API_KEY in project 'web': bob is no longer a member"), (unshared.Code, unshared.Out.Trim()));
        Assert.DoesNotContain(JsonNode.Parse(after.Out)!.AsArray(), m => m!["user"]!.GetValue<string>() == "bob");
        NoValue(shared, promoted, table, json, unshared, after);
    }

    [Fact]
    public async Task The_last_explicit_admin_cannot_be_unshared_or_demoted()
    {
        // The creator (the CLI's user) is the secret's one explicit admin.
        await SetTwiceAsync("--scope", "project", "--project", "web", "--user", "alice");
        string[] at = ["--scope", "project", "--project", "web"];

        var removed = await _cli.RunAsync(["secret", "unshare", "API_KEY", "alice", .. at]);
        var demoted = await _cli.RunAsync(["secret", "share", "API_KEY", "alice", "--role", "member", .. at]);
        var members = await _cli.RunAsync(["secret", "members", "API_KEY", "--json", .. at]);

        Assert.Equal((2, 2), (removed.Code, demoted.Code));
        Assert.All(new[] { removed, demoted }, r =>
        {
            Assert.Empty(r.Out);
            Assert.Contains("last explicit admin", r.Err, StringComparison.Ordinal);
        });
        var alice = Assert.Single(JsonNode.Parse(members.Out)!.AsArray(), m => m!["user"]!.GetValue<string>() == "alice");
        Assert.Equal("admin", alice!["role"]!.GetValue<string>());
        NoValue(removed, demoted, members);
    }

    [Fact]
    public async Task A_scope_admin_is_an_implicit_admin_that_cannot_be_unshared()
    {
        await SetTwiceAsync("--scope", "project", "--project", "web");
        Assert.Equal(0, (await _cli.RunAsync("access", "grant", "dana", "--project", "web", "--role", "admin")).Code);
        string[] at = ["--scope", "project", "--project", "web"];

        var members = await _cli.RunAsync(["secret", "members", "API_KEY", "--json", .. at]);
        var removed = await _cli.RunAsync(["secret", "unshare", "API_KEY", "dana", .. at]);

        var dana = Assert.Single(JsonNode.Parse(members.Out)!.AsArray(), m => m!["user"]!.GetValue<string>() == "dana");
        Assert.True(dana!["implicit"]!.GetValue<bool>());
        Assert.Equal("admin", dana["role"]!.GetValue<string>());
        Assert.Equal(2, removed.Code);
        Assert.Contains("admin of project 'web'", removed.Err, StringComparison.Ordinal);
        NoValue(members, removed);
    }

    [Fact]
    public async Task A_personal_secret_cannot_be_shared()
    {
        await SetTwiceAsync("--scope", "personal");

        var shared = await _cli.RunAsync("secret", "share", "API_KEY", "bob", "--scope", "personal");

        Assert.Equal(2, shared.Code);
        Assert.Empty(shared.Out);
        Assert.Contains("personal secrets belong to their owner alone and cannot be shared", shared.Err, StringComparison.Ordinal);
        NoValue(shared);
    }

    [Fact]
    public async Task A_share_role_other_than_member_or_admin_is_refused_before_the_store_is_touched()
    {
        await SetTwiceAsync();

        var shared = await _cli.RunAsync("secret", "share", "API_KEY", "bob", "--role", "owner");
        var members = await _cli.RunAsync("secret", "members", "API_KEY", "--json");

        Assert.Equal(2, shared.Code);
        Assert.Contains("--role must be one of member, admin", shared.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(JsonNode.Parse(members.Out)!.AsArray(), m => m!["user"]!.GetValue<string>() == "bob");
    }

    [Fact]
    public async Task Commands_on_a_secret_that_does_not_exist_say_so_with_exit_code_2()
    {
        await SetTwiceAsync();

        var runs = new[]
        {
            await _cli.RunAsync("secret", "versions", "MISSING"),
            await _cli.RunAsync("secret", "restore", "MISSING", "--version", "1"),
            await _cli.RunAsync("secret", "members", "MISSING"),
            await _cli.RunAsync("secret", "share", "MISSING", "bob"),
            await _cli.RunAsync("secret", "unshare", "MISSING", "bob"),
        };

        Assert.All(runs, r =>
        {
            Assert.Equal(2, r.Code);
            Assert.Empty(r.Out);
            Assert.StartsWith("error: ", r.Err, StringComparison.Ordinal);
        });
    }
}
