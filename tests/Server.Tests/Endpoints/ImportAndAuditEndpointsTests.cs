using System.Net;
using System.Text;
using System.Text.Json;

namespace Secrets.Runtime.Server.Tests.Endpoints;

public sealed class ImportAndAuditEndpointsTests : IDisposable
{
    private const string Value = "pw-import-c0ffee";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    private static StringContent DotEnv(string text) => new(text, Encoding.UTF8, "text/plain");

    [Fact]
    public async Task A_dry_run_import_reports_names_and_lines_and_writes_nothing()
    {
        var response = await Admin.PostAsync(Api.Url("/api/v1/projects/alpha/imports?dryRun=true"), DotEnv($"# comment\nAPI_KEY={Value}\nDB_PASSWORD=\"{Value}2\"\n"));
        var text = await response.Content.ReadAsStringAsync();
        var report = JsonDocument.Parse(text).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(report.GetProperty("dryRun").GetBoolean());
        Assert.Equal([("API_KEY", 2), ("DB_PASSWORD", 3)], report.GetProperty("created").EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("line").GetInt32())));
        Assert.DoesNotContain(Value, text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/API_KEY"))).StatusCode);
    }

    [Fact]
    public async Task An_import_writes_every_entry_and_a_second_one_updates()
    {
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(Api.Url("/api/v1/organizations/default/imports"), DotEnv($"ONE={Value}\nTWO={Value}\n"))).StatusCode);
        var again = await (await Admin.PostAsync(Api.Url("/api/v1/organizations/default/imports"), DotEnv($"ONE={Value}x\n"))).JsonAsync();
        Assert.Equal(["ONE"], again.GetProperty("updated").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync(Api.Url("/api/v1/organizations/default/secrets/TWO"))).StatusCode);
    }

    [Fact]
    public async Task A_malformed_line_refuses_the_whole_import_with_its_line_number_and_no_value()
    {
        var response = await Admin.PostAsync(Api.Url("/api/v1/projects/alpha/imports"), DotEnv($"GOOD={Value}\nthis line is not an assignment {Value}\n"));
        var body = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "import.invalid");
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("line").GetInt32() == 2);
        Assert.DoesNotContain(Value, body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/GOOD"))).StatusCode);
    }

    [Fact]
    public async Task A_reader_cannot_import()
    {
        var response = await _server.ClientFor(_server.ReaderToken).PostAsync(Api.Url("/api/v1/projects/alpha/imports"), DotEnv($"X={Value}\n"));
        await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "store.permission_denied");
    }

    [Fact]
    public async Task Key_rotation_is_for_admins_and_values_still_resolve_after()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/KEPT", Value);
        await Problems.AssertAsync(await _server.ClientFor(_server.WriterToken).PostAsync(Api.Url("/api/v1/keys/rotate"), null), HttpStatusCode.Forbidden, "store.permission_denied");
        var rotated = await Admin.PostAsync(Api.Url("/api/v1/keys/rotate"), null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.False(string.IsNullOrEmpty((await rotated.JsonAsync()).GetProperty("keyId").GetString()));
        var run = await (await Admin.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Echo("alpha", "KEPT", $"v.length === {Value.Length}"))).JsonAsync();
        Assert.True(run.GetProperty("nodes")[0].GetProperty("output").GetBoolean());
    }

    [Fact]
    public async Task Audit_filters_by_action_pages_with_a_cursor_and_exports_csv()
    {
        for (var i = 0; i < 3; i++)
        {
            await Admin.PutSecretAsync($"/api/v1/projects/alpha/secrets/AUDITED_{i}", Value);
        }

        await Admin.DeleteAsync(Api.Url("/api/v1/projects/alpha/secrets/AUDITED_0"));
        var first = await (await Admin.GetAsync(Api.Url("/api/v1/audit?action=create&limit=2"))).JsonAsync();
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        Assert.All(first.GetProperty("data").EnumerateArray(), e => Assert.Equal("create", e.GetProperty("action").GetString()));
        var second = await (await Admin.GetAsync(Api.Url("/api/v1/audit?action=create&limit=2&cursor=" + first.GetProperty("nextCursor").GetString()))).JsonAsync();
        Assert.Equal(["AUDITED_2"], second.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("name").GetString()));

        var csv = new HttpRequestMessage(HttpMethod.Get, Api.Url("/api/v1/audit?action=delete"));
        csv.Headers.Accept.ParseAdd("text/csv");
        var export = await Admin.SendAsync(csv);
        var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal("at,actor,action,scope,owner,name,version,detail", lines[0]);
        Assert.Contains(lines.Skip(1), l => l.Contains(",delete,project,alpha,AUDITED_0,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_needs_the_audit_scope()
    {
        var token = _server.CreateToken("auditless", [new Store.RoleGrant(Store.SecretScope.Project, "alpha", Store.SecretRole.Admin)], Authentication.ApiScopes.SecretsRead);
        await Problems.AssertAsync(await _server.ClientFor(token).GetAsync(Api.Url("/api/v1/audit")), HttpStatusCode.Forbidden, "auth.scope_missing");
    }
}
