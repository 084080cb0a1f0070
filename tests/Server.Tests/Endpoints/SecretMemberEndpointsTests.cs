using System.Net;
using System.Net.Http.Json;

namespace Secrets.Runtime.Server.Tests.Endpoints;

public sealed class SecretMemberEndpointsTests : IDisposable
{
    private const string Value = "pw-members-5d1e";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    private HttpClient Wendy => _server.ClientFor(_server.WriterToken);

    private static Task<HttpResponseMessage> PutMemberAsync(HttpClient client, string secret, string user, string role) =>
        client.PutAsync(Api.Url($"{secret}/members/{user}"), JsonContent.Create(new { role }));

    [Fact]
    public async Task The_creator_is_the_first_explicit_admin_and_scope_admins_are_implicit()
    {
        await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/WENDYS", Value);
        var members = (await (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/WENDYS/members"))).JsonAsync()).EnumerateArray().ToList();
        Assert.Contains(members, m => m.GetProperty("user").GetString() == "wendy" && m.GetProperty("role").GetString() == "admin" && !m.GetProperty("implicit").GetBoolean());
        Assert.Contains(members, m => m.GetProperty("user").GetString() == "admin" && m.GetProperty("implicit").GetBoolean());
        var meta = await (await Wendy.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/WENDYS"))).JsonAsync();
        Assert.Equal("admin", meta.GetProperty("myRole").GetString());
        Assert.Contains(meta.GetProperty("members").EnumerateArray(), m => m.GetProperty("user").GetString() == "wendy");
    }

    [Fact]
    public async Task A_member_may_not_replace_the_value_until_made_admin()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ADMINS_ONLY", Value);
        Assert.Equal(HttpStatusCode.OK, (await PutMemberAsync(Admin, "/api/v1/projects/alpha/secrets/ADMINS_ONLY", "wendy", "member")).StatusCode);
        var meta = await (await Wendy.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/ADMINS_ONLY"))).JsonAsync();
        Assert.Equal("member", meta.GetProperty("myRole").GetString());
        await Problems.AssertAsync(await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/ADMINS_ONLY", "member's value"), HttpStatusCode.Forbidden, "store.permission_denied");
        await Problems.AssertAsync(await Wendy.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/ADMINS_ONLY")), HttpStatusCode.Forbidden, "store.permission_denied");
        await Problems.AssertAsync(await PutMemberAsync(Wendy, "/api/v1/projects/alpha/secrets/ADMINS_ONLY", "rita", "member"), HttpStatusCode.Forbidden, "store.permission_denied");

        Assert.Equal(HttpStatusCode.OK, (await PutMemberAsync(Admin, "/api/v1/projects/alpha/secrets/ADMINS_ONLY", "wendy", "admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/ADMINS_ONLY", "admin's value")).StatusCode);
    }

    [Fact]
    public async Task The_last_explicit_admin_cannot_be_removed()
    {
        await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/LONE_ADMIN", Value);
        var response = await Admin.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/LONE_ADMIN/members/wendy"));
        await Problems.AssertAsync(response, HttpStatusCode.Conflict, "store.member_last_admin");
    }

    [Fact]
    public async Task A_scope_admin_cannot_be_removed()
    {
        await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/IMPLICIT", Value);
        var response = await Wendy.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/IMPLICIT/members/admin"));
        await Problems.AssertAsync(response, HttpStatusCode.Conflict, "store.member_implicit_admin");
    }

    [Fact]
    public async Task A_personal_secret_cannot_be_shared()
    {
        var rita = _server.ClientFor(_server.ReaderToken);
        await rita.PutSecretAsync("/api/v1/users/rita/secrets/MINE", Value);
        var response = await PutMemberAsync(rita, "/api/v1/users/rita/secrets/MINE", "wendy", "member");
        await Problems.AssertAsync(response, HttpStatusCode.Conflict, "store.personal_not_shareable");
    }

    [Fact]
    public async Task A_second_admin_can_be_removed_and_an_unknown_role_is_400()
    {
        await Wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/TWO_ADMINS", Value);
        await Problems.AssertAsync(await PutMemberAsync(Wendy, "/api/v1/projects/alpha/secrets/TWO_ADMINS", "rita", "owner"), HttpStatusCode.BadRequest, "store.member_role_unknown");
        Assert.Equal(HttpStatusCode.OK, (await PutMemberAsync(Wendy, "/api/v1/projects/alpha/secrets/TWO_ADMINS", "rita", "admin")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Wendy.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/TWO_ADMINS/members/rita"))).StatusCode);
    }
}
