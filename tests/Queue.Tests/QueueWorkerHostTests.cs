using System.Text;
using System.Text.Json.Nodes;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>Real worker processes (the CLI) over a real PostgreSQL database, with this process as the enqueuer.</summary>
public sealed class QueueWorkerHostTests
{
    private static WorkflowDefinition Hit(GateServer server, string path = "hit") => QueueDatabase.Workflow($$$"""
        { "id": "call", "type": "http", "method": "GET", "url": "{{{server.BaseAddress}}}/{{{path}}}/{{inputs.n}}", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] }
        """);

    private static RunRequest Input(int n) => new() { User = "alice", Input = new JsonObject { ["n"] = n } };

    [PostgresFact]
    public async Task Two_workers_execute_each_of_100_runs_exactly_once_and_lose_none()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");
        var a = await db.StartWorkerAsync(concurrency: 2);
        var b = await db.StartWorkerAsync(concurrency: 2);
        await using var queue = await db.OpenQueueAsync();

        var ids = new List<string>();
        for (var n = 0; n < 100; n++)
        {
            ids.Add(await queue.SubmitAsync(Hit(server), Input(n)));
        }

        await QueueDatabase.EventuallyAsync(async () => await db.ScalarAsync("SELECT count(*) FROM run_queue WHERE status = 'succeeded'") == 100, "100 runs succeeded");

        for (var n = 0; n < 100; n++)
        {
            Assert.Equal(1, server.Count($"/hit/{n}"));
        }

        Assert.Equal(100, server.Received.Count);
        Assert.All(server.Received, r => Assert.Equal("Bearer token-one", r.Authorization));
        var workers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var run = (await queue.FindAsync(id))!;
            var attempt = Assert.Single(run.Attempts);
            Assert.Equal("succeeded", attempt.Outcome);
            Assert.Equal(RunStatus.Succeeded, run.Record!.Status);
            workers.Add(attempt.Worker);
        }

        Assert.Subset(new HashSet<string>([a.Id, b.Id], StringComparer.Ordinal), workers);
        Assert.Equal(2, workers.Count);
    }

    [PostgresFact]
    public async Task A_worker_killed_mid_run_loses_it_to_another_after_the_lease_and_the_record_shows_both_attempts()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");
        var a = await db.StartWorkerAsync(concurrency: 1, leaseSeconds: 2);
        await using var queue = await db.OpenQueueAsync();
        var runId = await queue.SubmitAsync(Hit(server, "hold"), Input(1));
        await server.ArrivedAsync("/hold/1");

        // workers lists A with its concurrency and the run it holds.
        var (code, output, _) = await db.CliAsync("workers", "--json");
        Assert.Equal(0, code);
        var listed = Assert.Single(JsonNode.Parse(output)!.AsArray());
        Assert.Equal(a.Id, listed!["id"]!.GetValue<string>());
        Assert.Equal(1, listed["concurrency"]!.GetValue<int>());
        Assert.Equal(runId, Assert.Single(listed["runs"]!.AsArray())!.GetValue<string>());

        var b = await db.StartWorkerAsync(concurrency: 1, leaseSeconds: 2);
        await a.KillAsync();
        server.Release();

        var run = await QueueDatabase.WaitForStatusAsync(queue, runId, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed, QueuedRunStatus.Cancelled);
        Assert.Equal(QueuedRunStatus.Succeeded, run.Status);
        Assert.Collection(run.Attempts,
            first =>
            {
                Assert.Equal((1, a.Id, "lease_expired"), (first.Number, first.Worker, first.Outcome));
                Assert.Empty(first.Nodes);
            },
            second =>
            {
                Assert.Equal((2, b.Id, "succeeded"), (second.Number, second.Worker, second.Outcome));
                Assert.Equal(RunStatus.Succeeded, Assert.Single(second.Nodes).Status);
            });
        Assert.Equal(2, server.Count("/hold/1"));
        Assert.Equal(runId, run.Record!.RunId);

        // A's heartbeat stopped with it, no later than its last renewal: once B could take the run, A is no longer live.
        (code, output, _) = await db.CliAsync("workers", "--json");
        Assert.Equal(0, code);
        Assert.Equal(b.Id, Assert.Single(JsonNode.Parse(output)!.AsArray())!["id"]!.GetValue<string>());
    }

    [PostgresFact]
    public async Task A_worker_stopped_with_sigterm_hands_its_run_back_and_another_finishes_it_without_waiting_for_the_lease()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");

        // A lease far longer than the test: only the hand-back can let B take the run.
        var a = await db.StartWorkerAsync(concurrency: 1, leaseSeconds: 3600);
        await using var queue = await db.OpenQueueAsync();
        var runId = await queue.SubmitAsync(Hit(server, "hold"), Input(1));
        await server.ArrivedAsync("/hold/1");
        var b = await db.StartWorkerAsync(concurrency: 1, leaseSeconds: 3600);

        await a.TerminateAsync();
        server.Release();

        var run = await QueueDatabase.WaitForStatusAsync(queue, runId, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed);
        Assert.Equal(QueuedRunStatus.Succeeded, run.Status);
        Assert.Collection(run.Attempts,
            first => Assert.Equal((a.Id, "retry", "worker.shutdown"), (first.Worker, first.Outcome, first.ErrorCode)),
            second => Assert.Equal((b.Id, "succeeded"), (second.Worker, second.Outcome)));
    }

    [PostgresFact]
    public async Task A_job_delivered_twice_runs_its_run_once()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");
        await db.StartWorkerAsync(concurrency: 1);
        await db.StartWorkerAsync(concurrency: 1);
        await using var queue = await db.OpenQueueAsync();
        var runId = await queue.SubmitAsync(Hit(server, "hold"), Input(7));

        // The attack: the same run id enqueued a second time, as a queue engine that delivers twice would.
        await new HangfireRunDispatcher(db.Connection).EnqueueAsync(runId, RunQueue.DefaultQueue);
        await QueueDatabase.EventuallyAsync(async () => await db.ScalarAsync("SELECT count(*) FROM hangfire.job WHERE statename = 'Processing'") == 2, "both deliveries taken by a worker");
        await server.ArrivedAsync("/hold/7");
        Assert.Equal(1, server.Count("/hold/7"));
        server.Release();

        await QueueDatabase.EventuallyAsync(async () => await db.ScalarAsync("SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded'") == 2, "both deliveries done");
        var run = (await queue.FindAsync(runId))!;
        Assert.Equal(QueuedRunStatus.Succeeded, run.Status);
        Assert.Equal("succeeded", Assert.Single(run.Attempts).Outcome);
        Assert.Equal(1, server.Count("/hold/7"));
    }

    [PostgresFact]
    public async Task An_infrastructure_error_puts_the_run_back_on_the_queue_and_the_attempts_run_out_into_failed()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");

        // The database fails the result's write as a server going away would (SQLSTATE 57P03): twice, then never again.
        await db.ExecuteAsync("""
            CREATE SEQUENCE outage;
            CREATE FUNCTION fail_twice() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('outage') <= 2 THEN RAISE EXCEPTION 'simulated outage' USING ERRCODE = '57P03'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER outage BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION fail_twice();
            """);
        await db.StartWorkerAsync(concurrency: 1, maxAttempts: 3);
        await using var queue = await db.OpenQueueAsync();

        var recovered = await queue.SubmitAsync(Hit(server), Input(1));

        var run = await QueueDatabase.WaitForStatusAsync(queue, recovered, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed);
        Assert.Equal(QueuedRunStatus.Succeeded, run.Status);
        Assert.Equal(["retry", "retry", "succeeded"], run.Attempts.Select(a => a.Outcome).ToArray());
        Assert.Equal("store.database_unavailable,store.database_unavailable,", string.Join(',', run.Attempts.Select(a => a.ErrorCode)));
        Assert.Equal(3, server.Count("/hit/1"));

        // With the outage back for good, the last allowed attempt ends the run as failed instead of retrying forever.
        await db.ExecuteAsync("ALTER SEQUENCE outage RESTART WITH -1000 MINVALUE -1000");
        var exhausted = await queue.SubmitAsync(Hit(server), Input(2));
        run = await QueueDatabase.WaitForStatusAsync(queue, exhausted, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed);
        Assert.Equal(QueuedRunStatus.Failed, run.Status);
        Assert.Equal(["retry", "retry", "failed"], run.Attempts.Select(a => a.Outcome).ToArray());
        Assert.Equal("store.database_unavailable", run.Attempts[^1].ErrorCode);
    }

    [PostgresFact]
    public async Task Cancel_stops_a_running_run_on_its_worker_and_a_queued_run_never_starts()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");
        await db.StartWorkerAsync(concurrency: 1);
        await using var queue = await db.OpenQueueAsync();
        var running = await queue.SubmitAsync(Hit(server, "hold"), Input(1));
        await server.ArrivedAsync("/hold/1");
        var queued = await queue.SubmitAsync(Hit(server), Input(2));

        Assert.Equal(QueuedRunStatus.Cancelled, await queue.CancelAsync(queued));
        var (code, output, error) = await db.CliAsync("runs", "cancel", running);

        Assert.True(code == 0, error);
        Assert.Equal($"run {running} cancelled", output.Trim());
        var stopped = (await queue.FindAsync(running))!;
        Assert.Equal(QueuedRunStatus.Cancelled, stopped.Status);
        Assert.Equal("cancelled", Assert.Single(stopped.Attempts).Outcome);
        Assert.Null(stopped.Record);

        // The worker is free again and takes the next run; the cancelled queued run never reached the server.
        var next = await queue.SubmitAsync(Hit(server), Input(3));
        Assert.Equal(QueuedRunStatus.Succeeded, (await QueueDatabase.WaitForStatusAsync(queue, next, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed)).Status);
        Assert.Equal(0, server.Count("/hit/2"));
        Assert.Empty((await queue.FindAsync(queued))!.Attempts);
        server.Release();
        Assert.Equal(QueuedRunStatus.Cancelled, (await queue.FindAsync(running))!.Status);
    }

    [PostgresFact]
    public async Task A_rotation_reaches_queued_runs_and_the_nodes_of_a_long_run_that_start_after_the_bound()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "before-rotation");
        await using var queue = await db.OpenQueueAsync();
        var queuedIds = new List<string>();
        for (var n = 0; n < 5; n++)
        {
            queuedIds.Add(await queue.SubmitAsync(Hit(server), Input(n)));
        }

        await db.SetSecretAsync("TOKEN", "after-rotation");
        await db.StartWorkerAsync(concurrency: 2);
        foreach (var id in queuedIds)
        {
            await QueueDatabase.WaitForStatusAsync(queue, id, QueuedRunStatus.Succeeded);
        }

        Assert.All(server.Received, r => Assert.Equal("Bearer after-rotation", r.Authorization));

        // A long run: its second node starts after a rotation plus the store's staleness bound, and uses the new value.
        var twoNodes = QueueDatabase.Workflow($$$"""
            { "id": "first", "type": "http", "url": "{{{server.BaseAddress}}}/hold/long", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] },
            { "id": "second", "type": "http", "url": "{{{server.BaseAddress}}}/hit/long", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] }
            """);
        var longRun = await queue.SubmitAsync(twoNodes, Input(0));
        await server.ArrivedAsync("/hold/long");
        await db.SetSecretAsync("TOKEN", "rotated-mid-run");
        await Task.Delay(StoreOptions.DefaultMaxStaleness + TimeSpan.FromMilliseconds(100));
        server.Release();

        var run = await QueueDatabase.WaitForStatusAsync(queue, longRun, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed);
        Assert.Equal(QueuedRunStatus.Succeeded, run.Status);
        Assert.Equal("Bearer after-rotation", server.Received.Single(r => r.Path == "/hold/long").Authorization);
        Assert.Equal("Bearer rotated-mid-run", server.Received.Single(r => r.Path == "/hit/long").Authorization);
        Assert.Equal([2, 3], run.Record!.Secrets.Where(s => s.Name == "TOKEN").Select(s => s.Version).ToArray());
    }

    [PostgresFact]
    public async Task No_hangfire_or_queue_table_holds_a_planted_value_in_clear_base64_or_hex()
    {
        const string planted = "planted-token-7c41e9a2d3";
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", planted);
        await db.StartWorkerAsync(concurrency: 2);
        await using var queue = await db.OpenQueueAsync();
        var ok = new List<string>();
        for (var n = 0; n < 5; n++)
        {
            ok.Add(await queue.SubmitAsync(Hit(server), Input(n)));
        }

        // A failed node is a result: recorded once, not retried.
        var failing = await queue.SubmitAsync(QueueDatabase.Workflow($$$"""
            { "id": "echo", "type": "expression", "expression": "'value ' + secrets.TOKEN" },
            { "id": "call", "type": "http", "url": "{{{server.BaseAddress}}}/fail/{{nodes.echo.output}}", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] }
            """), Input(0));
        foreach (var id in ok)
        {
            await QueueDatabase.WaitForStatusAsync(queue, id, QueuedRunStatus.Succeeded);
        }

        var failed = await QueueDatabase.WaitForStatusAsync(queue, failing, QueuedRunStatus.Failed, QueuedRunStatus.Succeeded);
        Assert.Equal(QueuedRunStatus.Failed, failed.Status);
        Assert.Equal("failed", Assert.Single(failed.Attempts).Outcome);
        Assert.Equal(1, server.Received.Count(r => r.Path.StartsWith("/fail/", StringComparison.Ordinal)));

        var dump = await db.DumpEveryTableAsync();
        Assert.Contains("hangfire.job", dump.Keys);
        Assert.Contains(ok[0], dump["hangfire.job"], StringComparison.Ordinal);
        Assert.Contains("public.run_nodes", dump.Keys);
        var bytes = Encoding.UTF8.GetBytes(planted);
        string[] forms = [planted, Convert.ToBase64String(bytes), Convert.ToBase64String(bytes).TrimEnd('='), Convert.ToHexStringLower(bytes), Convert.ToHexString(bytes)];
        foreach (var (table, text) in dump)
        {
            foreach (var form in forms)
            {
                Assert.False(text.Contains(form, StringComparison.Ordinal), $"{table} holds a form of the planted value");
            }
        }
    }
}
