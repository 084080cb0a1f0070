using System.Text.Json.Nodes;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>token create|list|revoke</c> as a user runs them: the token once, alone on stdout, and nowhere else.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Token_create_prints_the_token_alone_on_stdout_and_it_authenticates_as_the_user()
    {
        var (code, output, error) = await _cli.RunAsync("token", "create", "ci", "--user", "bob", "--scope", "secrets:read", "--scope", "runs:execute", "--expires", "30d");

        var token = output.TrimEnd('\n');
        Assert.Equal(0, code);
        Assert.DoesNotContain('\n', token);
        Assert.StartsWith("srt_", token, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error, StringComparison.Ordinal);
        Assert.Contains("shown once", error, StringComparison.Ordinal);
        await using var store = await SecretStore.OpenAsync(new StoreOptions { Home = _cli.Home, Environment = _cli.Environment });
        var result = await store.Access.AuthenticateAsync(token);
        Assert.Equal("bob", result.Principal?.UserId);
        Assert.True(result.Principal!.HasScope("runs:execute"));
        Assert.False(result.Principal.HasScope("secrets:write"));
    }

    [Fact]
    public async Task Token_list_and_the_audit_never_show_the_token_and_revoke_stops_it()
    {
        var token = (await _cli.RunAsync("token", "create", "deploy", "--user", "bob")).Out.Trim();
        var id = token.Substring(4, 16);

        var listed = await _cli.RunAsync("token", "list");
        var json = await _cli.RunAsync("token", "list", "--json");
        var revoked = await _cli.RunAsync("token", "revoke", id);
        var after = await _cli.RunAsync("token", "list", "--json");
        var audit = await _cli.RunAsync("audit", "--json");

        Assert.Equal((0, 0, 0), (listed.Code, json.Code, revoked.Code));
        Assert.Contains(id, listed.Out, StringComparison.Ordinal);
        Assert.Contains("deploy", listed.Out, StringComparison.Ordinal);
        var secretPart = token[21..];
        foreach (var text in new[] { listed.Out, json.Out, revoked.Out, after.Out, audit.Out, listed.Err, json.Err, audit.Err })
        {
            Assert.DoesNotContain(secretPart, text, StringComparison.Ordinal);
        }

        Assert.Equal("active", JsonNode.Parse(json.Out)![0]!["status"]!.GetValue<string>());
        Assert.Equal("revoked", JsonNode.Parse(after.Out)![0]!["status"]!.GetValue<string>());
        Assert.Contains(JsonNode.Parse(audit.Out)!.AsArray(), e => e!["action"]!.GetValue<string>() == "token_revoke");
        await using var store = await SecretStore.OpenAsync(new StoreOptions { Home = _cli.Home, Environment = _cli.Environment });
        Assert.Equal(Secrets.Runtime.Store.Access.AuthenticationFailure.Revoked, (await store.Access.AuthenticateAsync(token)).Failure);
    }

    [Fact]
    public async Task Revoking_with_the_token_text_instead_of_its_id_fails_without_echoing_it()
    {
        var token = (await _cli.RunAsync("token", "create", "ci")).Out.Trim();

        var (code, output, error) = await _cli.RunAsync("token", "revoke", token);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("no token with that id", error, StringComparison.Ordinal);
        Assert.DoesNotContain(token[21..], error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scope", "secrets:everything", "unknown token scope")]
    [InlineData("--expires", "yesterday", "--expires is an age")]
    [InlineData("--expires", "0d", "--expires is an age")]
    [InlineData("--expires", "2001-01-01T00:00Z", "--expires is an age")]
    public async Task Bad_scopes_and_expiries_are_refused_with_exit_code_2_and_no_token(string option, string value, string message)
    {
        var (code, output, error) = await _cli.RunAsync("token", "create", "ci", option, value);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("everything", error, StringComparison.Ordinal);
    }
}
