using System.Net;

namespace Secrets.Runtime.Server.Tests.Endpoints;

public sealed class SecretVersionEndpointsTests : IDisposable
{
    private const string First = "pw-version-one-7f3a";
    private const string Second = "pw-version-two-91bc";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    [Fact]
    public async Task Versions_list_when_who_and_source_and_never_a_value()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ROTATED", First);
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ROTATED", Second);
        var response = await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/ROTATED/versions"));
        var text = await response.Content.ReadAsStringAsync();
        var versions = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version").GetInt32()).Order());
        Assert.All(versions, v => Assert.Equal("set", v.GetProperty("source").GetString()));
        Assert.DoesNotContain(First, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Second, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_writes_a_new_version_with_the_old_value()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ROLLBACK", First);
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ROLLBACK", Second);
        var restored = await Admin.PostAsync(Api.Url("/api/v1/projects/alpha/secrets/ROLLBACK/versions/1/restore"), null);
        var meta = await restored.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        Assert.Equal(3, meta.GetProperty("version").GetInt32());

        // The value itself is checked the only way a value leaves the store: a run that uses it, masked in its record.
        var run = await Admin.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Echo("alpha", "ROLLBACK", "v.length === " + First.Length));
        var record = await run.JsonAsync();
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.True(record.GetProperty("nodes")[0].GetProperty("output").GetBoolean());
        var versions = (await (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/ROLLBACK/versions"))).JsonAsync()).EnumerateArray().ToList();
        var third = versions.Single(v => v.GetProperty("version").GetInt32() == 3);
        Assert.Equal("restore", third.GetProperty("source").GetString());
        Assert.Equal(1, third.GetProperty("restoredFrom").GetInt32());
    }

    [Fact]
    public async Task Restoring_a_version_that_does_not_exist_is_404()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/ONE_VERSION", First);
        await Problems.AssertAsync(await Admin.PostAsync(Api.Url("/api/v1/projects/alpha/secrets/ONE_VERSION/versions/7/restore"), null), HttpStatusCode.NotFound, "store.version_not_found");
    }

    [Fact]
    public async Task A_reader_cannot_restore()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/GUARDED", First);
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/GUARDED", Second);
        var response = await _server.ClientFor(_server.ReaderToken).PostAsync(Api.Url("/api/v1/projects/alpha/secrets/GUARDED/versions/1/restore"), null);
        await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "store.permission_denied");
    }
}
