using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests.Endpoints;

public sealed class WorkflowAndRunEndpointsTests : IDisposable
{
    private const string Value = "pw-runs-4b8d-e21f";
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private HttpClient Admin => _server.ClientFor(_server.AdminToken);

    private HttpClient Wendy => _server.ClientFor(_server.WriterToken);

    [Fact]
    public async Task A_saved_workflow_is_owned_by_its_first_saver()
    {
        var workflow = RunWorkflows.Workflow("alpha", ("n", "1 + 1"));
        var created = await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/daily", workflow);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("wendy", (await created.JsonAsync()).GetProperty("owner").GetString());

        var saved = await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/daily", RunWorkflows.Workflow("alpha", ("n", "2 + 2")));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var got = await (await _server.ClientFor(_server.ReaderToken).GetAsync(Api.Url("/api/v1/projects/alpha/workflows/daily"))).JsonAsync();
        Assert.Equal("wendy", got.GetProperty("owner").GetString());
        Assert.Equal("admin", got.GetProperty("updatedBy").GetString());
        Assert.Equal("wendy", got.GetProperty("workflow").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Saving_and_deleting_workflows_follow_project_roles()
    {
        await Problems.AssertAsync(await _server.ClientFor(_server.ReaderToken).PutJsonAsync("/api/v1/projects/alpha/workflows/w", RunWorkflows.Workflow("alpha", ("n", "1"))), HttpStatusCode.Forbidden, "workflow.forbidden");
        await Problems.AssertAsync(await _server.ClientFor(_server.OutsiderToken).GetAsync(Api.Url("/api/v1/projects/alpha/workflows/w")), HttpStatusCode.Forbidden, "workflow.forbidden");
        await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/w", RunWorkflows.Workflow("alpha", ("n", "1")));
        await Problems.AssertAsync(await Wendy.DeleteAsync(Api.Url("/api/v1/projects/alpha/workflows/w")), HttpStatusCode.Forbidden, "workflow.forbidden");
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(Api.Url("/api/v1/projects/alpha/workflows/w"))).StatusCode);
        await Problems.AssertAsync(await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/w")), HttpStatusCode.NotFound, "workflow.not_found");
    }

    [Fact]
    public async Task An_invalid_workflow_is_400_with_json_paths_and_a_project_mismatch_is_refused()
    {
        var invalid = new JsonObject { ["nodes"] = new JsonArray(new JsonObject { ["id"] = "x", ["type"] = "teleport" }) };
        var body = await Problems.AssertAsync(await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/bad", invalid), HttpStatusCode.BadRequest, "workflow.invalid");
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("pointer").GetString()!.StartsWith("$.nodes[0]", StringComparison.Ordinal));
        await Problems.AssertAsync(await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/other", RunWorkflows.Workflow("beta", ("n", "1"))), HttpStatusCode.BadRequest, "workflow.address_mismatch");
    }

    [Fact]
    public async Task An_inline_run_answers_202_with_location_and_the_record_is_masked()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/API_KEY", Value);
        var started = await Admin.PostJsonAsync("/api/v1/runs", RunWorkflows.TwoNodes("alpha", "API_KEY"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.OriginalString;
        var events = await Admin.GetStringAsync(Api.Url(location + "/events"));
        Assert.Contains("event: end", events, StringComparison.Ordinal);

        var get = await Admin.GetAsync(Api.Url(location));
        var text = await get.Content.ReadAsStringAsync();
        var record = JsonDocument.Parse(text).RootElement;
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal(Value.Length, record.GetProperty("nodes")[0].GetProperty("output").GetInt32());
        Assert.DoesNotContain(Value, text, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, record.GetProperty("nodes")[1].GetProperty("output").ValueKind);
    }

    [Fact]
    public async Task Events_are_sent_per_node_then_end()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/API_KEY", Value);
        var record = await (await Admin.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.TwoNodes("alpha", "API_KEY"))).JsonAsync();
        var response = await Admin.GetAsync(Api.Url($"/api/v1/runs/{record.GetProperty("runId").GetString()}/events"));
        var events = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var names = events.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..].Trim()).ToList();
        Assert.Equal(["node", "node", "end"], names);
        Assert.Contains("\"node\":\"first\"", events, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_of_a_project_the_caller_cannot_use_is_403_and_no_use_is_audited()
    {
        await Admin.PutSecretAsync("/api/v1/projects/beta/secrets/BETA_KEY", Value);
        var response = await Wendy.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Echo("beta", "BETA_KEY", "v"));
        await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "run.project_forbidden");
        var audit = await (await Admin.GetAsync(Api.Url("/api/v1/audit?action=use"))).JsonAsync();
        Assert.Equal(0, audit.GetProperty("data").GetArrayLength());
        var meta = await (await Admin.GetAsync(Api.Url("/api/v1/projects/beta/secrets/BETA_KEY"))).JsonAsync();
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task A_run_that_names_an_allowed_project_still_cannot_read_a_personal_secret_of_someone_else()
    {
        await _server.ClientFor(_server.ReaderToken).PutSecretAsync("/api/v1/users/rita/secrets/RITAS", Value);
        var record = await (await Wendy.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Echo("alpha", "RITAS", "v"))).JsonAsync();
        Assert.Equal("failed", record.GetProperty("status").GetString());
        Assert.DoesNotContain(Value, record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_workflow_runs_with_its_owners_personal_secrets_on_api_triggers_only()
    {
        await Wendy.PutSecretAsync("/api/v1/users/wendy/secrets/WENDY_TOKEN", Value);
        await Wendy.PutJsonAsync("/api/v1/projects/alpha/workflows/personal", RunWorkflows.Workflow("alpha", ("use", $"secrets.WENDY_TOKEN.length === {Value.Length}")));
        var rita = _server.ClientFor(_server.ReaderToken);

        var api = await (await rita.PostJsonAsync("/api/v1/projects/alpha/workflows/personal/runs?wait=true", new JsonObject { ["trigger"] = "api" })).JsonAsync();
        Assert.Equal("succeeded", api.GetProperty("status").GetString());
        Assert.True(api.GetProperty("nodes")[0].GetProperty("output").GetBoolean());

        // A manual run resolves the caller's personal secrets, and rita has no WENDY_TOKEN.
        var manual = await (await rita.PostJsonAsync("/api/v1/projects/alpha/workflows/personal/runs?wait=true", new JsonObject { ["trigger"] = "manual" })).JsonAsync();
        Assert.Equal("failed", manual.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_saved_workflow_run_answers_202_and_an_unknown_workflow_or_trigger_is_refused()
    {
        await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/plain", RunWorkflows.Workflow("alpha", ("n", "40 + 2")));
        var started = await Wendy.PostJsonAsync("/api/v1/projects/alpha/workflows/plain/runs", new JsonObject { ["input"] = new JsonObject { ["x"] = 1 } });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.StartsWith("/api/v1/runs/", started.Headers.Location!.OriginalString, StringComparison.Ordinal);
        await Problems.AssertAsync(await Wendy.PostJsonAsync("/api/v1/projects/alpha/workflows/missing/runs", new JsonObject()), HttpStatusCode.NotFound, "workflow.not_found");
        await Problems.AssertAsync(await Wendy.PostJsonAsync("/api/v1/projects/alpha/workflows/plain/runs", new JsonObject { ["trigger"] = "cron" }), HttpStatusCode.BadRequest, "run.trigger_invalid");
        await Problems.AssertAsync(await _server.ClientFor(_server.OutsiderToken).PostJsonAsync("/api/v1/projects/alpha/workflows/plain/runs", new JsonObject()), HttpStatusCode.Forbidden, "run.project_forbidden");
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_for_their_caller_only_with_a_cursor()
    {
        for (var i = 0; i < 3; i++)
        {
            await Wendy.PostJsonAsync("/api/v1/runs?wait=true", RunWorkflows.Inline(RunWorkflows.Workflow("alpha", ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        }

        var first = await (await Wendy.GetAsync(Api.Url("/api/v1/runs?limit=2"))).JsonAsync();
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        var second = await (await Wendy.GetAsync(Api.Url("/api/v1/runs?limit=2&cursor=" + first.GetProperty("nextCursor").GetString()))).JsonAsync();
        Assert.Equal(1, second.GetProperty("data").GetArrayLength());
        var ids = first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(3, ids.Distinct().Count());

        var others = await (await _server.ClientFor(_server.ReaderToken).GetAsync(Api.Url("/api/v1/runs"))).JsonAsync();
        Assert.Equal(0, others.GetProperty("data").GetArrayLength());
        await Problems.AssertAsync(await _server.ClientFor(_server.ReaderToken).GetAsync(Api.Url("/api/v1/runs/" + ids[0])), HttpStatusCode.NotFound, "run.not_found");
    }

    [Fact]
    public async Task Usages_name_the_runs_and_saved_workflows_that_use_a_secret()
    {
        await Admin.PutSecretAsync("/api/v1/projects/alpha/secrets/USED", Value);
        await Admin.PutJsonAsync("/api/v1/projects/alpha/workflows/user", RunWorkflows.Workflow("alpha", ("reads", "secrets.USED.length")));
        var record = await (await Admin.PostJsonAsync("/api/v1/projects/alpha/workflows/user/runs?wait=true", new JsonObject())).JsonAsync();
        var usages = await (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/USED/usages"))).JsonAsync();
        var run = Assert.Single(usages.GetProperty("runs").EnumerateArray());
        Assert.Equal(record.GetProperty("runId").GetString(), run.GetProperty("runId").GetString());
        Assert.Equal("reads", run.GetProperty("node").GetString());
        var workflow = Assert.Single(usages.GetProperty("workflows").EnumerateArray());
        Assert.Equal("user", workflow.GetProperty("name").GetString());
        var meta = await (await Admin.GetAsync(Api.Url("/api/v1/projects/alpha/secrets/USED"))).JsonAsync();
        Assert.NotEqual(JsonValueKind.Null, meta.GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task Runs_need_the_runs_scope()
    {
        var token = _server.CreateToken("wendy", [], Authentication.ApiScopes.SecretsRead);
        await Problems.AssertAsync(await _server.ClientFor(token).PostJsonAsync("/api/v1/runs", RunWorkflows.TwoNodes("alpha", "X")), HttpStatusCode.Forbidden, "auth.scope_missing");
    }
}
