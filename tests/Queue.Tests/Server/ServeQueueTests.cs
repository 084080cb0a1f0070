using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Queue.Tests.Server;

/// <summary>
/// <c>serve --queue</c>: a real server (Kestrel) enqueues the API's runs, real worker processes execute them, over a
/// real PostgreSQL database. The caller's principal travels with the run.
/// </summary>
public sealed class ServeQueueTests
{
    private static readonly RoleGrant ProjectReader = new(SecretScope.Project, "proj", SecretRole.Reader);

    private static JsonObject Inline(GateServer gate, string path, string reference) => new()
    {
        ["workflow"] = JsonNode.Parse($$$"""
            { "name": "queued", "organization": "default", "project": "proj", "owner": "whoever", "nodes": [
              { "id": "call", "type": "http", "method": "GET", "url": "{{{gate.BaseAddress}}}/{{{path}}}", "headers": { "Authorization": "Bearer {{{{{reference}}}}}" }, "allowedHosts": ["127.0.0.1"] } ] }
            """),
    };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [PostgresFact]
    public async Task A_run_posted_with_wait_is_executed_by_a_worker_and_answers_the_finished_record_with_its_attempts()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await db.SetSecretAsync("TOKEN", "token-one");
        var worker = await db.StartWorkerAsync(concurrency: 1);
        using var rita = server.ClientFor(await server.TokenForAsync("rita", [ProjectReader]));

        var response = await rita.PostAsJsonAsync("/api/v1/runs?wait=true", Inline(gate, "hit/1", "TOKEN"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await JsonAsync(response);
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal("default", record.GetProperty("queue").GetString());
        Assert.Equal(("proj", "rita", "rita"), (record.GetProperty("project").GetString(), record.GetProperty("startedBy").GetString(), record.GetProperty("principal").GetString()));
        var attempt = Assert.Single(record.GetProperty("attempts").EnumerateArray());
        Assert.Equal((1, worker.Id, "succeeded"), (attempt.GetProperty("number").GetInt32(), attempt.GetProperty("worker").GetString(), attempt.GetProperty("outcome").GetString()));
        Assert.Equal("Bearer token-one", Assert.Single(gate.Received).Authorization);
        Assert.DoesNotContain("token-one", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The run's row says who started it; the list shows it to its starter.
        var runId = record.GetProperty("runId").GetString()!;
        var listed = await JsonAsync(await rita.GetAsync("/api/v1/runs"));
        Assert.Equal(runId, Assert.Single(listed.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
    }

    [PostgresFact]
    public async Task A_run_without_wait_is_202_queued_and_shows_queued_until_a_worker_starts_then_succeeded()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await db.SetSecretAsync("TOKEN", "token-one");
        using var admin = server.ClientFor(server.AdminToken);

        var started = await admin.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hit/2", "TOKEN"));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var accepted = await JsonAsync(started);
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        var location = started.Headers.Location!.OriginalString;
        var queued = await admin.GetAsync(location);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var body = await JsonAsync(queued);
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("attempts").EnumerateArray());
        var list = await JsonAsync(await admin.GetAsync("/api/v1/runs"));
        Assert.Equal("queued", Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("status").GetString());

        // No worker is live yet; one starts, takes the run, and the API lists it while it holds it.
        Assert.Empty((await JsonAsync(await admin.GetAsync("/api/v1/workers"))).GetProperty("data").EnumerateArray());
        var worker = await db.StartWorkerAsync(concurrency: 3);
        var workers = await JsonAsync(await admin.GetAsync("/api/v1/workers"));
        var listedWorker = Assert.Single(workers.GetProperty("data").EnumerateArray());
        Assert.Equal((worker.Id, 3), (listedWorker.GetProperty("id").GetString(), listedWorker.GetProperty("concurrency").GetInt32()));

        HttpResponseMessage done = null!;
        await QueueDatabase.EventuallyAsync(async () => (done = await admin.GetAsync(location)).StatusCode == HttpStatusCode.OK, "the run to end");
        var record = await JsonAsync(done);
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal("succeeded", Assert.Single(record.GetProperty("attempts").EnumerateArray()).GetProperty("outcome").GetString());
        var events = await admin.GetStringAsync(location + "/events");
        Assert.Contains("event: end", events, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_queued_run_of_a_project_the_caller_cannot_use_is_403_before_anything_is_enqueued_or_read()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await db.SetSecretAsync("TOKEN", "token-one");
        using var olga = server.ClientFor(await server.TokenForAsync("olga", [new RoleGrant(SecretScope.Project, "other", SecretRole.Admin)]));

        var response = await olga.PostAsJsonAsync("/api/v1/runs?wait=true", Inline(gate, "hit/3", "TOKEN"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("run.project_forbidden", (await JsonAsync(response)).GetProperty("code").GetString());
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM run_queue"));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM hangfire.job"));
        Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM audit WHERE action = 'use'"));
        Assert.Empty(gate.Received);
    }

    [PostgresFact]
    public async Task A_queued_run_resolves_the_callers_personal_secrets_on_the_worker_and_not_another_users()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await using (var store = await db.OpenStoreAsync())
        {
            await store.SetAsync(Principal.LocalAdmin("pia"), new SecretWrite { Scope = SecretScope.Personal, Owner = "pia", Name = SecretName.Parse("MINE"), Value = "pia-personal-7f3a" });
            await store.SetAsync(Principal.LocalAdmin("olga"), new SecretWrite { Scope = SecretScope.Personal, Owner = "olga", Name = SecretName.Parse("THEIRS"), Value = "olga-personal-9c1e" });
        }

        await db.StartWorkerAsync(concurrency: 2);
        using var pia = server.ClientFor(await server.TokenForAsync("pia", [ProjectReader]));

        var mine = await JsonAsync(await pia.PostAsJsonAsync("/api/v1/runs?wait=true", Inline(gate, "hit/mine", "MINE")));
        var theirs = await JsonAsync(await pia.PostAsJsonAsync("/api/v1/runs?wait=true", Inline(gate, "hit/theirs", "THEIRS")));

        Assert.Equal("succeeded", mine.GetProperty("status").GetString());
        Assert.Equal("Bearer pia-personal-7f3a", Assert.Single(gate.Received).Authorization);

        // Olga's personal secret does not resolve for pia's run: the node fails (a result, not retried) before any request.
        Assert.Equal("failed", theirs.GetProperty("status").GetString());
        Assert.Equal("failed", Assert.Single(theirs.GetProperty("attempts").EnumerateArray()).GetProperty("outcome").GetString());
        Assert.Equal(0, gate.Count("/hit/theirs"));
        Assert.DoesNotContain("olga-personal", theirs.ToString(), StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_queued_run_reads_as_its_caller_on_the_worker_and_not_with_a_grant_revoked_while_it_waited()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await using (var store = await db.OpenStoreAsync())
        {
            await store.SetAsync(Principal.LocalAdmin("admin"), new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("ORG_TOKEN"), Value = "org-token-5d2b" });
        }

        var orgReader = new RoleGrant(SecretScope.Organization, "default", SecretRole.Reader);
        using var rita = server.ClientFor(await server.TokenForAsync("rita", [ProjectReader]));
        using var pia = server.ClientFor(await server.TokenForAsync("pia", [ProjectReader, orgReader]));
        using var paul = server.ClientFor(await server.TokenForAsync("paul", [ProjectReader, orgReader]));

        // Enqueued with no worker running: rita never had a role in the organization, pia loses hers while her run waits.
        var noRole = (await JsonAsync(await rita.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hit/rita", "ORG_TOKEN")))).GetProperty("id").GetString()!;
        var revoked = (await JsonAsync(await pia.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hit/pia", "ORG_TOKEN")))).GetProperty("id").GetString()!;
        var allowed = (await JsonAsync(await paul.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hit/paul", "ORG_TOKEN")))).GetProperty("id").GetString()!;
        await server.Store.Access.RevokeGrantAsync(await server.Store.Access.PrincipalAsync("admin"), "pia", SecretScope.Organization, "default");
        await db.StartWorkerAsync(concurrency: 2);
        await using var queue = await db.OpenQueueAsync();
        foreach (var id in new[] { noRole, revoked, allowed })
        {
            await QueueDatabase.WaitForStatusAsync(queue, id, Secrets.Runtime.Runs.QueuedRunStatus.Succeeded, Secrets.Runtime.Runs.QueuedRunStatus.Failed);
        }

        Assert.Equal("failed", (await JsonAsync(await rita.GetAsync($"/api/v1/runs/{noRole}"))).GetProperty("status").GetString());
        Assert.Equal("failed", (await JsonAsync(await pia.GetAsync($"/api/v1/runs/{revoked}"))).GetProperty("status").GetString());
        Assert.Equal("succeeded", (await JsonAsync(await paul.GetAsync($"/api/v1/runs/{allowed}"))).GetProperty("status").GetString());
        Assert.Equal("Bearer org-token-5d2b", Assert.Single(gate.Received).Authorization);
        Assert.Equal(1, gate.Count("/hit/paul"));
    }

    [PostgresFact]
    public async Task Cancel_through_the_api_stops_a_running_run_on_its_worker_and_a_queued_one_at_once()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var gate = new GateServer();
        await using var server = await QueueServer.StartAsync(db);
        await db.SetSecretAsync("TOKEN", "token-one");
        await db.StartWorkerAsync(concurrency: 1);
        using var rita = server.ClientFor(await server.TokenForAsync("rita", [ProjectReader]));
        using var olga = server.ClientFor(await server.TokenForAsync("olga", [ProjectReader]));
        var running = (await JsonAsync(await rita.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hold/1", "TOKEN")))).GetProperty("id").GetString()!;
        await gate.ArrivedAsync("/hold/1");
        var waiting = (await JsonAsync(await rita.PostAsJsonAsync("/api/v1/runs", Inline(gate, "hit/after", "TOKEN")))).GetProperty("id").GetString()!;

        // Someone else's run is not shown to exist, to cancel or to read.
        Assert.Equal(HttpStatusCode.NotFound, (await olga.PostAsync($"/api/v1/runs/{running}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await olga.GetAsync($"/api/v1/runs/{running}")).StatusCode);

        var queuedCancel = await rita.PostAsync($"/api/v1/runs/{waiting}/cancel", null);
        var runningCancel = await rita.PostAsync($"/api/v1/runs/{running}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, queuedCancel.StatusCode);
        Assert.Equal("cancelled", (await JsonAsync(queuedCancel)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, runningCancel.StatusCode);
        Assert.Equal("cancelled", (await JsonAsync(runningCancel)).GetProperty("status").GetString());
        var record = await JsonAsync(await rita.GetAsync($"/api/v1/runs/{running}"));
        Assert.Equal("cancelled", record.GetProperty("status").GetString());
        Assert.Equal("cancelled", Assert.Single(record.GetProperty("attempts").EnumerateArray()).GetProperty("outcome").GetString());
        var again = await rita.PostAsync($"/api/v1/runs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("run.not_cancellable", (await JsonAsync(again)).GetProperty("code").GetString());
        var list = await JsonAsync(await rita.GetAsync("/api/v1/runs"));
        Assert.All(list.GetProperty("data").EnumerateArray(), r => Assert.Equal("cancelled", r.GetProperty("status").GetString()));
        Assert.Equal(2, list.GetProperty("data").GetArrayLength());
        Assert.Equal(0, gate.Count("/hit/after"));
    }

    [PostgresFact]
    public async Task The_hangfire_dashboard_is_off_by_default_and_when_on_answers_admins_only()
    {
        await using var db = await QueueDatabase.CreateAsync();
        string admin, reader;
        await using (var plain = await QueueServer.StartAsync(db))
        {
            admin = plain.AdminToken!;
            reader = await plain.TokenForAsync("rita", [ProjectReader]);
            using var client = plain.ClientFor(admin);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/hangfire")).StatusCode);
        }

        await using var server = await QueueServer.StartAsync(db, o => o.Dashboard = true);
        using var anonymous = server.ClientFor(null);
        using var nonAdmin = server.ClientFor(reader);
        using var storeAdmin = server.ClientFor(admin);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await nonAdmin.GetAsync("/hangfire")).StatusCode);
        var page = await storeAdmin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("secrets-runtime queue", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await nonAdmin.GetAsync("/api/v1/workers")).StatusCode);
    }
}
