using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>A worker takes no job before the store's change listener and its own cancel listener are connected.</summary>
public sealed class WorkerStartTests
{
    [PostgresFact]
    public async Task A_worker_whose_change_or_cancel_listener_cannot_connect_takes_no_job_and_gives_up()
    {
        await using var db = await QueueDatabase.CreateAsync();
        await using var server = new GateServer();
        await db.SetSecretAsync("TOKEN", "token-one");
        await using var queue = await db.OpenQueueAsync();
        var runId = await queue.SubmitAsync(QueueDatabase.Workflow($$$"""
            { "id": "call", "type": "http", "method": "GET", "url": "{{{server.BaseAddress}}}/hit/1", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] }
            """), new Workflows.Execution.RunRequest { User = "alice" });
        await using var gate = new ListenerGate(db.Connection);

        // Everything else reaches the database: the worker opens its store and the queue, then waits for the refused
        // listener until --listener-timeout, and stops without having taken the job that was waiting all along.
        foreach (var listener in new[] { "secrets-runtime-listener", Store.Postgres.PostgresRunQueue.CancelListenerName })
        {
            gate.Refused.Clear();
            gate.Refused.Add(listener);
            var refusalsBefore = gate.Refusals;

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.StartWorkerAsync(concurrency: 1, connection: gate.Connection, extra: ["--listener-timeout", "3"]));

            Assert.Contains("listener did not connect", error.Message, StringComparison.Ordinal);
            Assert.True(gate.Refusals > refusalsBefore, $"the gate refused no {listener} connection");
            var run = (await queue.FindAsync(runId))!;
            Assert.Equal(QueuedRunStatus.Queued, run.Status);
            Assert.Empty(run.Attempts);
            Assert.Equal(0, await db.ScalarAsync("SELECT count(*) FROM run_workers"));
            Assert.Empty(server.Received);
        }

        // With both listeners let through, the same worker starts and takes the job.
        gate.Refused.Clear();
        await db.StartWorkerAsync(concurrency: 1, connection: gate.Connection, extra: ["--listener-timeout", "3"]);
        Assert.Equal(QueuedRunStatus.Succeeded, (await QueueDatabase.WaitForStatusAsync(queue, runId, QueuedRunStatus.Succeeded, QueuedRunStatus.Failed)).Status);
        Assert.Equal(1, server.Count("/hit/1"));
    }
}
