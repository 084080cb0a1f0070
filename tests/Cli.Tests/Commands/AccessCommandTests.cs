using System.Text.Json.Nodes;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>access grant|list|revoke</c> as a user runs them, and the grants the store then holds.</summary>
public sealed class AccessCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Grant_list_and_revoke_change_the_roles_the_store_gives_the_user()
    {
        var granted = await _cli.RunAsync("access", "grant", "bob", "--project", "web", "--role", "writer");
        var listed = await _cli.RunAsync("access", "list", "--json");
        Principal bob;
        await using (var store = await SecretStore.OpenAsync(new StoreOptions { Home = _cli.Home, Environment = _cli.Environment }))
        {
            bob = await store.Access.PrincipalAsync("bob");
        }

        var revoked = await _cli.RunAsync("access", "revoke", "bob", "--project", "web");
        var again = await _cli.RunAsync("access", "revoke", "bob", "--project", "web");
        var empty = await _cli.RunAsync("access", "list");

        Assert.Equal((0, "granted: bob is writer of project web"), (granted.Code, granted.Out.Trim()));
        var row = Assert.Single(JsonNode.Parse(listed.Out)!.AsArray());
        Assert.Equal(("bob", "project", "web", "writer"), (row!["user"]!.GetValue<string>(), row["scope"]!.GetValue<string>(), row["owner"]!.GetValue<string>(), row["role"]!.GetValue<string>()));
        Assert.True(bob.Has(SecretScope.Project, "web", SecretRole.Writer));
        Assert.False(bob.Has(SecretScope.Project, "other", SecretRole.Reader));
        Assert.Equal(0, revoked.Code);
        Assert.Equal(2, again.Code);
        Assert.Contains("holds no role on project 'web'", again.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", empty.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--role", "owner", "--project", "web")]
    [InlineData("--role", "reader", "--project", "web", "--organization", "acme")]
    [InlineData("--role", "reader")]
    public async Task A_grant_needs_one_target_and_a_known_role(params string[] options)
    {
        var (code, output, error) = await _cli.RunAsync(["access", "grant", "bob", .. options]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", (await _cli.RunAsync("access", "list", "--json")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_keeps_working_for_the_local_user_without_any_grant()
    {
        var set = await _cli.PipeAsync("value-1234", "secret", "set", "K");
        var list = await _cli.RunAsync("secret", "list");

        Assert.Equal((0, 0), (set.Code, list.Code));
        Assert.Contains("K", list.Out, StringComparison.Ordinal);
        Assert.Equal("[]", (await _cli.RunAsync("access", "list", "--json")).Out.Trim());
    }
}
