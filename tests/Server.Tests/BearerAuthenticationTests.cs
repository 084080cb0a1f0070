using System.Net;
using Microsoft.Data.Sqlite;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Tests;

/// <summary>
/// Attacks on the remembered authentications of a busy server: whatever a token was allowed a moment ago, a revoked,
/// expired or narrowed token is judged as it is now, and a token never passes for another one.
/// </summary>
public sealed class BearerAuthenticationTests : IDisposable
{
    private const string Value = "pw-BearerAuthenticationTests-7c2a";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private static string IdOf(string bearer) => bearer.Substring("srt_".Length, 16);

    private static async Task UseTwiceAsync(HttpClient client)
    {
        // The first call reads the token (and records its use); the second is answered from what the server remembers.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Api.Url("/api/v1/secrets"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Api.Url("/api/v1/secrets"))).StatusCode);
    }

    private async Task<Principal> AdminAsync() => await _server.Store.Access.PrincipalAsync("admin");

    [Fact]
    public async Task A_token_revoked_while_in_use_is_refused_on_the_next_request()
    {
        var token = _server.CreateToken("gina", []);
        var gina = _server.ClientFor(token);
        await UseTwiceAsync(gina);

        await _server.Store.Access.RevokeTokenAsync(await AdminAsync(), IdOf(token));

        await Problems.AssertAsync(await gina.GetAsync(Api.Url("/api/v1/secrets")), HttpStatusCode.Unauthorized, "auth.token_revoked");
    }

    [Fact]
    public async Task A_token_revoked_by_another_process_on_the_same_store_is_refused_on_the_next_request()
    {
        var token = _server.CreateToken("gina", []);
        var gina = _server.ClientFor(token);
        await UseTwiceAsync(gina);

        // What `secrets-runtime token revoke` does from a shell beside the server: its own store on the same file.
        await using (var cli = await SecretStore.OpenAsync(new StoreOptions { Home = _server.Home, Environment = new Dictionary<string, string?>() }))
        {
            await cli.Access.RevokeTokenAsync(await cli.Access.PrincipalAsync("admin"), IdOf(token));
        }

        await Problems.AssertAsync(await gina.GetAsync(Api.Url("/api/v1/secrets")), HttpStatusCode.Unauthorized, "auth.token_revoked");
    }

    [Fact]
    public async Task A_token_whose_user_lost_a_grant_loses_that_access_on_the_next_request()
    {
        await _server.ClientFor(_server.AdminToken).PutSecretAsync("/api/v1/projects/gamma/secrets/GAMMA_KEY", Value);
        var token = _server.CreateToken("gina", [new RoleGrant(SecretScope.Project, "gamma", SecretRole.Reader)]);
        var gina = _server.ClientFor(token);
        await UseTwiceAsync(gina);
        Assert.Equal(HttpStatusCode.OK, (await gina.GetAsync(Api.Url("/api/v1/projects/gamma/secrets/GAMMA_KEY"))).StatusCode);

        await _server.Store.Access.RevokeGrantAsync(await AdminAsync(), "gina", SecretScope.Project, "gamma");

        await Problems.AssertAsync(await gina.GetAsync(Api.Url("/api/v1/projects/gamma/secrets/GAMMA_KEY")), HttpStatusCode.Forbidden, "store.permission_denied");
        var page = await (await gina.GetAsync(Api.Url("/api/v1/secrets"))).JsonAsync();
        Assert.Empty(page.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task A_token_that_expired_while_in_use_is_refused_on_the_next_request()
    {
        var token = _server.CreateToken("gina", []);
        var gina = _server.ClientFor(token);
        await UseTwiceAsync(gina);

        // The expiry as an operator would shorten it by hand, in the store's file.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_server.Home, "secrets.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE tokens SET expires_at = '2020-01-01T00:00:00.0000000Z' WHERE id = $id";
            command.Parameters.AddWithValue("$id", IdOf(token));
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        await Problems.AssertAsync(await gina.GetAsync(Api.Url("/api/v1/secrets")), HttpStatusCode.Unauthorized, "auth.token_expired");
    }

    [Fact]
    public async Task A_remembered_tokens_id_with_another_secret_or_a_changed_character_is_401()
    {
        var admin = _server.ClientFor(_server.AdminToken);
        await UseTwiceAsync(admin);
        var other = _server.CreateToken("gina", []);
        var prefix = _server.AdminToken[..("srt_".Length + 16 + 1)];
        var flipped = _server.AdminToken[..^1] + (_server.AdminToken[^1] == 'A' ? 'B' : 'A');

        foreach (var forged in new[] { prefix + other[prefix.Length..], flipped, _server.AdminToken + "A", _server.AdminToken[..^1] })
        {
            var response = await _server.ClientFor(forged).GetAsync(Api.Url("/api/v1/secrets"));
            var body = await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, "auth.token_unknown");
            Assert.DoesNotContain(prefix, body.GetRawText(), StringComparison.Ordinal);
        }

        await UseTwiceAsync(admin);
        var me = await (await _server.ClientFor(other).GetAsync(Api.Url("/api/v1/me"))).JsonAsync();
        Assert.Equal("gina", me.GetProperty("user").GetString());
    }
}
