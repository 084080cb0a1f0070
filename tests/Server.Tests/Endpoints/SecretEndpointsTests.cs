using System.Net;
using System.Text.Json;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Tests.Endpoints;

public sealed class SecretEndpointsTests : IDisposable
{
    private const string Value = "pw-SecretEndpointsTests-0001";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    [Fact]
    public async Task Put_creates_with_201_then_a_new_version_is_200_and_get_shows_metadata_and_etag()
    {
        var created = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/API_KEY", Value, "the API key");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/projects/alpha/secrets/API_KEY", created.Headers.Location?.OriginalString);
        var meta = await created.JsonAsync();
        Assert.Equal(1, meta.GetProperty("version").GetInt32());

        var updated = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/API_KEY", Value + "-2");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var get = await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/API_KEY"));
        var body = await get.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(body.GetProperty("etag").GetString(), get.Headers.ETag?.Tag);
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        Assert.Equal("the API key", body.GetProperty("description").GetString());
        Assert.Equal("{{secrets.API_KEY}}", body.GetProperty("reference").GetString());
        Assert.Equal("project", body.GetProperty("scope").GetString());
        Assert.Equal("alpha", body.GetProperty("owner").GetString());
        Assert.Equal("admin", body.GetProperty("myRole").GetString());
        foreach (var field in new[] { "name", "description", "version", "etag", "createdAt", "createdBy", "updatedAt", "updatedBy", "lastUsedAt", "system", "integration", "members", "myRole", "reference" })
        {
            Assert.True(body.TryGetProperty(field, out _), field);
        }

        Assert.DoesNotContain(Value, await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_the_value_is_unchanged()
    {
        var first = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/TOKEN", Value);
        var etag = first.Headers.ETag!.Tag;
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/TOKEN", Value + "b", headers: r => r.Headers.TryAddWithoutValidation("If-Match", etag))).StatusCode);

        // The second writer still holds the first ETag: its write is refused, not silently applied.
        var stale = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/TOKEN", Value + "c", headers: r => r.Headers.TryAddWithoutValidation("If-Match", etag));
        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed, "store.precondition_failed");
        var now = await (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/TOKEN"))).JsonAsync();
        Assert.Equal(2, now.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task If_none_match_star_creates_once_and_then_is_412()
    {
        Assert.Equal(HttpStatusCode.Created, (await Admin.PutSecretAsync("/api/v1/organizations/default/secrets/ONCE", Value, headers: r => r.Headers.TryAddWithoutValidation("If-None-Match", "*"))).StatusCode);
        var again = await Admin.PutSecretAsync("/api/v1/organizations/default/secrets/ONCE", Value, headers: r => r.Headers.TryAddWithoutValidation("If-None-Match", "*"));
        await Problems.AssertAsync(again, HttpStatusCode.PreconditionFailed, "store.already_exists");
    }

    [Fact]
    public async Task If_match_on_a_missing_secret_is_412()
    {
        var response = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/NEW_ONE", Value, headers: r => r.Headers.TryAddWithoutValidation("If-Match", "\"1.1\""));
        await Problems.AssertAsync(response, HttpStatusCode.PreconditionFailed, "store.precondition_failed");
    }

    [Fact]
    public async Task A_value_over_64_KiB_is_413_and_nothing_is_written()
    {
        var response = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/BIG", new string('x', 64 * 1024 + 1));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/BIG"))).StatusCode);
    }

    [Fact]
    public async Task A_body_far_over_the_cap_is_413_before_it_is_parsed()
    {
        var response = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/BIG", new string('"', 200 * 1024));
        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.too_large");
    }

    [Fact]
    public async Task Delete_is_204_honours_if_match_and_then_the_secret_is_gone()
    {
        var created = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/GONE", Value);
        var stale = new HttpRequestMessage(HttpMethod.Delete, Api.Url("/api/v1/projects/alpha/secrets/GONE"));
        stale.Headers.TryAddWithoutValidation("If-Match", "\"9.9\"");
        await Problems.AssertAsync(await Admin.SendAsync(stale), HttpStatusCode.PreconditionFailed, "store.precondition_failed");

        var delete = new HttpRequestMessage(HttpMethod.Delete, Api.Url("/api/v1/projects/alpha/secrets/GONE"));
        delete.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.SendAsync(delete)).StatusCode);
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/GONE")), HttpStatusCode.NotFound, "secret.not_found");
    }

    [Fact]
    public async Task A_system_managed_secret_cannot_be_deleted_409()
    {
        var store = _server.Store;
        await store.SetSystemAsync(Store.Principal.LocalAdmin("admin"), new Store.SecretWrite
        {
            Scope = Store.SecretScope.Project,
            Owner = "alpha",
            Name = Store.SecretName.Parse("SLACK_OAUTH"),
            Value = Value,
        }, "slack");
        await Problems.AssertAsync(await Admin.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/SLACK_OAUTH")), HttpStatusCode.Conflict, "store.system_managed");
        await Problems.AssertAsync(await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/SLACK_OAUTH", "other"), HttpStatusCode.Conflict, "store.system_managed");
    }

    [Fact]
    public async Task A_reader_may_get_but_not_put_or_delete()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/SHARED", Value);
        var reader = _server.ClientFor(_server.ReaderToken);
        var meta = await (await reader.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/SHARED"))).JsonAsync();
        Assert.Equal("member", meta.GetProperty("myRole").GetString());
        await Problems.AssertAsync(await reader.PutSecretAsync("/api/v1/projects/alpha/secrets/SHARED", "x"), HttpStatusCode.Forbidden, "store.permission_denied");
        await Problems.AssertAsync(await reader.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/SHARED")), HttpStatusCode.Forbidden, "store.permission_denied");
    }

    [Fact]
    public async Task An_outsider_gets_403_for_another_projects_secret()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/SHARED", Value);
        var outsider = _server.ClientFor(_server.OutsiderToken);
        await Problems.AssertAsync(await outsider.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/SHARED")), HttpStatusCode.Forbidden, "store.permission_denied");
    }

    [Fact]
    public async Task A_personal_secret_is_its_owners_alone()
    {
        var rita = _server.ClientFor(_server.ReaderToken);
        Assert.Equal(HttpStatusCode.Created, (await rita.PutSecretAsync("/api/v1/users/rita/secrets/MINE", Value)).StatusCode);
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/users/rita/secrets/MINE")), HttpStatusCode.Forbidden, "store.permission_denied");
        await Problems.AssertAsync(await Admin.PutSecretAsync("/api/v1/users/rita/secrets/MINE", "overwrite"), HttpStatusCode.Forbidden, "store.permission_denied");
    }

    [Fact]
    public async Task A_token_with_read_scope_only_cannot_write_even_for_an_admin_user()
    {
        var token = _server.CreateToken("admin", [new Store.RoleGrant(Store.SecretScope.Project, "*", Store.SecretRole.Admin)], Authentication.ApiScopes.SecretsRead);
        await Problems.AssertAsync(await _server.ClientFor(token).PutSecretAsync("/api/v1/projects/alpha/secrets/X", Value), HttpStatusCode.Forbidden, "auth.scope_missing");
    }

    [Fact]
    public async Task Patch_changes_the_description_without_a_new_version_and_honours_if_match()
    {
        var created = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/DESCRIBED", Value, "old");
        var patch = new HttpRequestMessage(HttpMethod.Patch, Api.Url("/api/v1/projects/alpha/secrets/DESCRIBED"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { description = "new words" }),
        };
        patch.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
        var response = await Admin.SendAsync(patch);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("new words", body.GetProperty("description").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.NotEqual(created.Headers.ETag.Tag, response.Headers.ETag?.Tag);

        var stale = new HttpRequestMessage(HttpMethod.Patch, Api.Url("/api/v1/projects/alpha/secrets/DESCRIBED"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { description = "lost update" }),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag.Tag);
        await Problems.AssertAsync(await Admin.SendAsync(stale), HttpStatusCode.PreconditionFailed, "store.precondition_failed");
    }

    [Fact]
    public async Task A_bad_name_is_400_without_echoing_it()
    {
        var response = await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/pw-looks-like-a-value", Value);
        var body = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "store.name_invalid");
        Assert.DoesNotContain("looks-like", body.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Malformed_json_is_400_problem()
    {
        var response = await Admin.PutAsync(Api.Url("/api/v1/projects/alpha/secrets/X"), new StringContent("{\"value\": ", System.Text.Encoding.UTF8, "application/json"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "request.json_invalid");
    }

    [Fact]
    public async Task List_pages_with_a_keyset_cursor_and_filters_by_scope_project_and_search()
    {
        for (var i = 0; i < 7; i++)
        {
            await Admin.PutSecretAsync($"/api/v1/projects/alpha/secrets/KEY_{i}", Value, i == 3 ? "the stripe one" : null);
        }

        await Admin.PutSecretAsync("/api/v1/projects/beta/secrets/OTHER", Value);
        await Admin.PutSecretAsync("/api/v1/organizations/default/secrets/ORG_WIDE", Value);

        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await Admin.GetAsync(Api.Url("/api/v1/secrets?project=alpha&limit=3" + (cursor is null ? "" : "&cursor=" + cursor)))).JsonAsync();
            names.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"KEY_{i}"), names);
        Assert.Equal(3, pages);

        var org = await (await Admin.GetAsync(Api.Url("/api/v1/secrets?scope=organization"))).JsonAsync();
        Assert.Equal(["ORG_WIDE"], org.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        var search = await (await Admin.GetAsync(Api.Url("/api/v1/secrets?search=stripe"))).JsonAsync();
        Assert.Equal(["KEY_3"], search.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task List_shows_only_what_the_caller_may_read()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/A", Value);
        await Admin.PutSecretAsync("/api/v1/projects/beta/secrets/B", Value);
        var page = await (await _server.ClientFor(_server.ReaderToken).GetAsync(Api.Url("/api/v1/secrets"))).JsonAsync();
        Assert.Equal(["A"], page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_forged_cursor_or_limit_out_of_range_is_400()
    {
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/secrets?cursor=bm90LWEtY3Vyc29y")), HttpStatusCode.BadRequest, "store.cursor_invalid");
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/secrets?limit=0")), HttpStatusCode.BadRequest, "store.limit_invalid");
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/secrets?scope=galaxy")), HttpStatusCode.BadRequest, "request.scope_invalid");
    }

    [Fact]
    public async Task List_gives_each_secret_the_members_its_get_gives()
    {
        var wendy = _server.ClientFor(_server.WriterToken);
        await wendy.PutSecretAsync("/api/v1/projects/alpha/secrets/SHARED", Value);
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/BY_ADMIN", Value);
        await Admin.PutSecretAsync("/api/v1/users/admin/secrets/MINE", Value);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsync(Api.Url("/api/v1/projects/alpha/secrets/SHARED/members/rita"), System.Net.Http.Json.JsonContent.Create(new { role = "member" }))).StatusCode);

        var page = await (await Admin.GetAsync(Api.Url("/api/v1/secrets"))).JsonAsync();

        var listed = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["MINE", "BY_ADMIN", "SHARED"], listed.Select(e => e.GetProperty("name").GetString()));
        foreach (var item in listed)
        {
            var path = $"/api/v1/{(item.GetProperty("scope").GetString() == "personal" ? "users" : "projects")}/{item.GetProperty("owner").GetString()}/secrets/{item.GetProperty("name").GetString()}";
            var single = await (await Admin.GetAsync(Api.Url(path))).JsonAsync();
            Assert.Equal(single.GetProperty("members").GetRawText(), item.GetProperty("members").GetRawText());
        }

        Assert.Equal("[{\"user\":\"rita\",\"role\":\"member\"},{\"user\":\"wendy\",\"role\":\"admin\"}]", listed[2].GetProperty("members").GetRawText());
        Assert.Equal("[]", listed[0].GetProperty("members").GetRawText());
        Assert.Equal("[]", listed[1].GetProperty("members").GetRawText());
    }

    [Fact]
    public async Task A_reader_listing_the_same_query_right_after_an_admin_gets_only_what_it_may_read()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/A", Value);
        await Admin.PutSecretAsync("/api/v1/projects/beta/secrets/B", Value);
        await Admin.PutSecretAsync("/api/v1/users/admin/secrets/MINE", Value);

        // The admin's page first, then the same query by callers with fewer rights, then the admin again.
        var admin = await ListNamesAsync(Admin, "/api/v1/secrets?limit=50");
        var reader = await ListNamesAsync(_server.ClientFor(_server.ReaderToken), "/api/v1/secrets?limit=50");
        var outsider = await ListNamesAsync(_server.ClientFor(_server.OutsiderToken), "/api/v1/secrets?limit=50");
        var adminAgain = await ListNamesAsync(Admin, "/api/v1/secrets?limit=50");

        Assert.Equal(["MINE", "A", "B"], admin);
        Assert.Equal(["A"], reader);
        Assert.Empty(outsider);
        Assert.Equal(admin, adminAgain);
    }

    [Fact]
    public async Task A_removed_member_disappears_from_the_next_list()
    {
        await Admin.PutSecretAsync("/api/v1/projects/beta/secrets/SHARED", Value);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsync(Api.Url("/api/v1/projects/beta/secrets/SHARED/members/olga"), System.Net.Http.Json.JsonContent.Create(new { role = "member" }))).StatusCode);
        var olga = _server.ClientFor(_server.OutsiderToken);
        var before = await ListNamesAsync(olga, "/api/v1/secrets");

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(Api.Url("/api/v1/projects/beta/secrets/SHARED/members/olga"))).StatusCode);
        var after = await ListNamesAsync(olga, "/api/v1/secrets");

        Assert.Equal(["SHARED"], before);
        Assert.Empty(after);
    }

    [Fact]
    public async Task A_grant_revoked_through_another_store_on_the_same_file_takes_the_secrets_out_of_the_next_list()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/A", Value);
        var rita = _server.ClientFor(_server.ReaderToken);
        var before = await ListNamesAsync(rita, "/api/v1/secrets?project=alpha");

        // As the CLI would, from another process: its own store on the same home folder.
        await using (var cli = await SecretStore.OpenAsync(new StoreOptions { Home = _server.Home, Environment = new Dictionary<string, string?>() }))
        {
            await cli.Access.RevokeGrantAsync(await cli.Access.PrincipalAsync("admin"), "rita", SecretScope.Project, "alpha");
        }

        var after = await rita.GetAsync(Api.Url("/api/v1/secrets?project=alpha"));

        Assert.Equal(["A"], before);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Empty((await after.JsonAsync()).GetProperty("data").EnumerateArray());
    }

    private static async Task<List<string?>> ListNamesAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(Api.Url(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.JsonAsync()).GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString())];
    }
}
