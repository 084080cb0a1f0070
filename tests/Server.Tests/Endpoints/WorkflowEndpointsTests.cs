using System.Net;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests.Endpoints;

/// <summary>Saved workflows over HTTP: ETag and If-Match, and the attacks on their addresses and contents.</summary>
public sealed class WorkflowEndpointsTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    private HttpClient Wendy => _server.ClientFor(_server.WriterToken);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, Api.Url(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_saved_workflow_has_an_etag_and_a_stale_if_match_is_412_for_save_and_delete()
    {
        const string Path = "/api/v1/projects/alpha/workflows/tagged";
        var created = await Wendy.PutJsonAsync(Path, RunWorkflows.Workflow("alpha", ("n", "1")));
        var first = created.Headers.ETag!.Tag;
        Assert.Equal(first, (await created.JsonAsync()).GetProperty("etag").GetString());

        var updated = await SendAsync(Wendy, HttpMethod.Put, Path, RunWorkflows.Workflow("alpha", ("n", "2")), ("If-Match", first));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var second = updated.Headers.ETag!.Tag;
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await Wendy.GetAsync(Api.Url(Path))).Headers.ETag!.Tag);

        await Problems.AssertAsync(await SendAsync(Wendy, HttpMethod.Put, Path, RunWorkflows.Workflow("alpha", ("n", "3")), ("If-Match", first)), HttpStatusCode.PreconditionFailed, "store.precondition_failed");
        await Problems.AssertAsync(await SendAsync(Wendy, HttpMethod.Put, Path, RunWorkflows.Workflow("alpha", ("n", "3")), ("If-None-Match", "*")), HttpStatusCode.PreconditionFailed, "store.already_exists");
        await Problems.AssertAsync(await SendAsync(Wendy, HttpMethod.Delete, Path, null, ("If-Match", first)), HttpStatusCode.PreconditionFailed, "store.precondition_failed");
        var current = await (await Wendy.GetAsync(Api.Url(Path))).JsonAsync();
        Assert.Equal(2, current.GetProperty("version").GetInt32());
        Assert.Equal("2", current.GetProperty("workflow").GetProperty("nodes")[0].GetProperty("expression").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(Wendy, HttpMethod.Delete, Path, null, ("If-Match", second))).StatusCode);
        await Problems.AssertAsync(await Wendy.GetAsync(Api.Url(Path)), HttpStatusCode.NotFound, "workflow.not_found");
    }

    [Fact]
    public async Task Another_projects_workflow_cannot_be_read_overwritten_deleted_or_run()
    {
        const string Path = "/api/v1/projects/beta/workflows/plan";
        Assert.Equal(HttpStatusCode.Created, (await Admin.PutJsonAsync(Path, RunWorkflows.Workflow("beta", ("n", "'beta only'")))).StatusCode);

        await Problems.AssertAsync(await Wendy.GetAsync(Api.Url(Path)), HttpStatusCode.Forbidden, "workflow.forbidden");
        await Problems.AssertAsync(await Wendy.PutJsonAsync(Path, RunWorkflows.Workflow("beta", ("n", "'taken'"))), HttpStatusCode.Forbidden, "workflow.forbidden");
        await Problems.AssertAsync(await Wendy.DeleteAsync(Api.Url(Path)), HttpStatusCode.Forbidden, "workflow.forbidden");
        await Problems.AssertAsync(await Wendy.PostJsonAsync(Path + "/runs?wait=true", new JsonObject()), HttpStatusCode.Forbidden, "run.project_forbidden");

        // Saving it under alpha while the document names beta is refused too: the path is the address.
        await Problems.AssertAsync(await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/plan", RunWorkflows.Workflow("beta", ("n", "1"))), HttpStatusCode.BadRequest, "workflow.address_mismatch");

        var stored = await (await Admin.GetAsync(Api.Url(Path))).JsonAsync();
        Assert.Equal("admin", stored.GetProperty("owner").GetString());
        Assert.Equal(1, stored.GetProperty("version").GetInt32());
        Assert.Empty(await _server.Store.Workflows.ListAsync(Store.Principal.LocalAdmin("admin"), "alpha"));
    }

    [Theory]
    [InlineData("%2E%2E")]
    [InlineData(".env")]
    [InlineData("..%2F..%2Fsecrets")]
    [InlineData("a%5Cb")]
    [InlineData("a%20b")]
    [InlineData("-rf")]
    public async Task A_path_like_workflow_or_project_name_is_refused_and_nothing_is_written(string name)
    {
        var asName = await Admin.PutJsonAsync($"/api/v1/projects/alpha/workflows/{name}", RunWorkflows.Workflow("alpha", ("n", "1")));
        var asProject = await Admin.PutJsonAsync($"/api/v1/projects/{name}/workflows/w", RunWorkflows.Workflow("alpha", ("n", "1")));
        var read = await Admin.GetAsync(Api.Url($"/api/v1/projects/{name}/workflows/w"));
        var deleted = await Admin.DeleteAsync(Api.Url($"/api/v1/projects/alpha/workflows/{name}"));

        foreach (var response in new[] { asName, asProject, read, deleted })
        {
            // 400 from the name rule, or 404 when the router already refuses the path; never a success.
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {response.StatusCode}");
        }

        Assert.Empty(await _server.Store.Workflows.ListAsync(Store.Principal.LocalAdmin("admin")));
        Assert.False(Directory.Exists(Path.Combine(_server.Home, "server", "workflows")));
    }

    [Fact]
    public async Task A_code_node_naming_a_file_is_refused_so_the_server_reads_no_file_for_it()
    {
        // Before saved workflows moved into the store, a saved workflow's "file" was read relative to the server's
        // working folder joined with the project: plant a script there and try to have it compiled.
        const string Planted = "planted-script-5d0e";
        var folder = Path.Combine(Environment.CurrentDirectory, "alpha");
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "planted-" + Guid.NewGuid().ToString("N")[..8] + ".csx");
        await File.WriteAllTextAsync(script, $"return \"{Planted}\";");
        try
        {
            var workflow = new JsonObject
            {
                ["name"] = "steal",
                ["project"] = "alpha",
                ["nodes"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "code", ["language"] = "csharp", ["file"] = Path.GetFileName(script) }),
            };

            var response = await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/steal", workflow);

            var body = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "workflow.invalid");
            var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
            Assert.Equal("$.nodes[0].file", error.GetProperty("pointer").GetString());
            Assert.DoesNotContain(Planted, body.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(Environment.CurrentDirectory, body.GetRawText(), StringComparison.Ordinal);
            await Problems.AssertAsync(await Wendy.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/steal")), HttpStatusCode.NotFound, "workflow.not_found");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task A_workflow_whose_script_is_in_source_is_saved_whole_and_read_back()
    {
        var workflow = new JsonObject
        {
            ["name"] = "scripted",
            ["project"] = "alpha",
            ["nodes"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "code", ["language"] = "csharp", ["source"] = "return 40 + 2;" }),
        };

        Assert.Equal(HttpStatusCode.Created, (await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/scripted", workflow)).StatusCode);

        var read = await (await Wendy.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/scripted"))).JsonAsync();
        Assert.Equal("return 40 + 2;", read.GetProperty("workflow").GetProperty("nodes")[0].GetProperty("source").GetString());
        Assert.Equal("wendy", read.GetProperty("workflow").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Saves_and_deletes_of_workflows_are_in_the_audit_log()
    {
        await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/audited", RunWorkflows.Workflow("alpha", ("n", "1")));
        await Wendy.DeleteAsync(Api.Url("/api/v1/projects/alpha/workflows/audited"));

        var audit = await (await Admin.GetAsync(Api.Url("/api/v1/audit?limit=500"))).JsonAsync();
        var actions = audit.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("workflow_save", actions);
        Assert.Contains("workflow_delete", actions);
    }
}
