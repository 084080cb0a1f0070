using System.Globalization;
using System.Text;
using Npgsql;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// Many hosts on one PostgreSQL store, each host a process of its own (<see cref="StoreHostProcess"/>): no lost
/// update, rotation seen everywhere within <see cref="StoreOptions.MaxStaleness"/>, key rotation across hosts, and
/// nothing in the database in clear.
/// </summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSharedStoreTests : IDisposable
{
    // Small enough for a quick test, large enough that "cached" and "bounded" are distinct states on a loaded machine.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(10);

    private readonly StoreFixture _fixture = new(StoreBackend.Postgres);

    public void Dispose() => _fixture.Dispose();

    [StoreFact]
    public async Task Two_hosts_incrementing_one_counter_at_once_lose_no_update()
    {
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("COUNTER", "0"));
        }

        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await using var b = await StoreHostProcess.StartAsync(_fixture, Bound);
        await Task.WhenAll(a.SendAsync("increment COUNTER 25"), b.SendAsync("increment COUNTER 25"));

        using var check = await _fixture.OpenAsync();
        Assert.Equal("50", await StoreFixture.ReadAsync(check, "COUNTER"));
        Assert.Equal(51, (await check.GetAsync(StoreFixture.Admin, SecretScope.Organization, "default", SecretName.Parse("COUNTER")))!.Version);
        Assert.Equal("51", await _fixture.ScalarAsync("SELECT COUNT(*) FROM audit WHERE name = 'COUNTER'"));
    }

    [StoreFact]
    public async Task Hosts_starting_together_on_an_empty_database_migrate_once_and_share_one_key_ring()
    {
        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StoreHostProcess.StartAsync(_fixture, Bound)));
        try
        {
            Assert.Equal("7", await _fixture.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
            Assert.Equal("1", await _fixture.ScalarAsync("SELECT COUNT(*) FROM keys"));
            await hosts[0].SendAsync("set FIRST from-host-0");
            Assert.Equal("1 from-host-0", await hosts[2].SendAsync("read FIRST"));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [StoreFact]
    public async Task The_writing_host_uses_its_new_version_at_once()
    {
        // No listener and a bound of ten minutes: only the write itself can make this host drop its cached row.
        await using var a = await StoreHostProcess.StartAsync(_fixture, Forever, listen: false);
        await a.SendAsync("set TOKEN first-value");
        Assert.Equal("1 first-value", await a.SendAsync("read TOKEN"));
        var trips = await a.SendAsync("roundtrips");
        Assert.Equal("1 first-value", await a.SendAsync("read TOKEN"));
        Assert.Equal(trips, await a.SendAsync("roundtrips"));

        await a.SendAsync("set TOKEN second-value");

        Assert.Equal("2 second-value", await a.SendAsync("read TOKEN"));
    }

    [StoreFact]
    public async Task Another_host_uses_a_write_once_the_bound_has_passed_with_its_listener_live() =>
        await AnotherHostSeesTheWriteWithinTheBound(listen: true, killListener: false);

    [StoreFact]
    public async Task Another_host_uses_a_write_once_the_bound_has_passed_after_its_listener_was_terminated() =>
        await AnotherHostSeesTheWriteWithinTheBound(listen: true, killListener: true);

    [StoreFact]
    public async Task Another_host_uses_a_write_once_the_bound_has_passed_by_polling_alone() =>
        await AnotherHostSeesTheWriteWithinTheBound(listen: false, killListener: false);

    [StoreFact]
    public async Task A_host_that_finds_the_changes_it_missed_pruned_drops_its_cache()
    {
        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await using var b = await StoreHostProcess.StartAsync(_fixture, Bound, listen: false);
        await a.SendAsync("set PRUNED first-value");
        Assert.Equal("1 first-value", await b.SendAsync("read PRUNED"));

        // The write's change row is gone before B polls, as after a long outage past the retention.
        await a.SendAsync("set PRUNED second-value");
        await _fixture.ExecuteAsync("DELETE FROM changes");

        await Task.Delay(Bound + TimeSpan.FromMilliseconds(50));
        Assert.Equal("2 second-value", await b.SendAsync("read PRUNED"));
    }

    [StoreFact]
    public async Task A_listener_terminated_by_the_server_reconnects_and_the_host_keeps_working()
    {
        await using var b = await StoreHostProcess.StartAsync(_fixture, Bound);
        var pid = await ListenerAsync(b);

        await _fixture.ExecuteAsync("SELECT pg_terminate_backend(@pid)", ("pid", pid));

        await Eventually(async () => await b.SendAsync("connects") == "2" && await ListenerAsync(b) != pid);
        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await a.SendAsync("set AFTER_RECONNECT v");
        Assert.Equal("1 v", await b.SendAsync("read AFTER_RECONNECT"));
    }

    [StoreFact]
    public async Task A_read_given_the_change_number_of_a_write_never_uses_an_older_value()
    {
        // The reader neither listens nor polls within the test's time: only the change number can make it see the write.
        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await using var b = await StoreHostProcess.StartAsync(_fixture, Forever, listen: false);
        await a.SendAsync("set RATE old-value");
        Assert.Equal("1 old-value", await b.SendAsync("read RATE"));

        var change = (await a.SendAsync("set RATE new-value")).Split(' ')[1];

        Assert.Equal("1 old-value", await b.SendAsync("read RATE"));
        Assert.Equal("2 new-value", await b.SendAsync($"read RATE {change}"));
    }

    [StoreFact]
    public async Task A_run_given_the_change_number_of_a_write_resolves_the_new_value()
    {
        var options = _fixture.Options with { MaxStaleness = Forever, ListenForChanges = false };
        await using var reader = await SecretStore.OpenAsync(options);
        await using var writer = await SecretStore.OpenAsync(_fixture.Options);
        await writer.SetAsync(StoreFixture.Admin, StoreFixture.Write("TOKEN", "old-token-value"));
        using var executor = WorkflowExecutor.Create(reader, new WorkflowExecutorOptions());
        var workflow = WorkflowLoader.Parse("""{ "name": "w", "project": "proj", "owner": "alice", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.TOKEN.length" } ] }""");
        Assert.Equal(1, Assert.Single((await executor.RunAsync(workflow, new RunRequest { User = "alice" })).Secrets).Version);

        var written = await writer.SetAsync(StoreFixture.Admin, StoreFixture.Write("TOKEN", "new-token-value-longer"));
        var run = await executor.RunAsync(workflow, new RunRequest { User = "alice", MinimumChange = written.Change });

        Assert.Equal(2, Assert.Single(run.Secrets).Version);
        Assert.Equal("22", run.Nodes[0].Output!.ToJsonString());
    }

    [StoreFact]
    public async Task A_key_rotated_on_one_host_is_used_on_the_other()
    {
        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await using var b = await StoreHostProcess.StartAsync(_fixture, Bound);
        await a.SendAsync("set BEFORE before-rotation");
        Assert.Equal("1 before-rotation", await b.SendAsync("read BEFORE"));

        var newKey = await a.SendAsync("rotate");
        var change = (await a.SendAsync("set AFTER after-rotation")).Split(' ')[1];

        Assert.Equal(newKey, await _fixture.ScalarAsync("SELECT key_id FROM secrets WHERE name = 'AFTER'"));
        Assert.Equal("1 after-rotation", await b.SendAsync($"read AFTER {change}"));
        Assert.Equal("1 before-rotation", await b.SendAsync($"read BEFORE {change}"));
        await b.SendAsync("set FROM_B written-by-b");
        Assert.Equal(newKey, await _fixture.ScalarAsync("SELECT key_id FROM secrets WHERE name = 'FROM_B'"));
    }

    [StoreFact]
    public async Task A_run_recorded_on_one_host_is_shown_on_another()
    {
        string runId;
        await using (var first = await _fixture.OpenAsync())
        {
            await first.SetAsync(StoreFixture.Admin, StoreFixture.Write("TOKEN", "token-value-for-the-run"));
            using var executor = WorkflowExecutor.Create(first, new WorkflowExecutorOptions { RunRecordsHome = _fixture.Home });
            var workflow = WorkflowLoader.Parse("""{ "name": "recorded", "project": "proj", "owner": "alice", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.TOKEN.length" } ] }""");
            runId = (await executor.RunAsync(workflow, new RunRequest { User = "alice" })).RunId;
        }

        // Another host: no store, no master key, only the database (as `runs show ID` does).
        await using var records = await Secrets.Runtime.Store.Postgres.PostgresRunRecordStore.OpenAsync(_fixture.Database!);
        var shown = await records.GetAsync(runId);

        Assert.Equal("recorded", shown.Workflow);
        Assert.Equal(runId, Assert.Single(await records.ListAsync()).RunId);
        Assert.False(Directory.Exists(Path.Combine(_fixture.Home, "runs")));
        var missing = await Assert.ThrowsAsync<Secrets.Runtime.Redaction.SecretsRuntimeException>(() => records.GetAsync("0123456789abcdef"));
        Assert.Equal("run.not_found", missing.Code);
    }

    [StoreFact]
    public async Task No_table_holds_a_planted_value_or_its_base64_or_hex_forms()
    {
        string[] planted = ["planted-value-3f9a1c77e2", "second-planted-b81d0e55a4", "imported-planted-6c2e94d1f0"];
        await using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("PLANTED", planted[0]) with { Description = "a planted value" });
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("PLANTED", planted[1]));
            await store.ImportAsync(StoreFixture.Admin, SecretScope.Project, "proj", DotEnvParser.Parse($"IMPORTED={planted[2]}"), dryRun: false);
            await store.RotateKeyAsync(StoreFixture.Admin);
            using var executor = WorkflowExecutor.Create(store, new WorkflowExecutorOptions { RunRecordsHome = _fixture.Home });
            var workflow = WorkflowLoader.Parse("""{ "name": "w", "project": "proj", "owner": "alice", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.PLANTED + ' ' + secrets.IMPORTED" } ] }""");
            var run = await executor.RunAsync(workflow, new RunRequest { User = "alice" });
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal(run.RunId, (await store.SharedRunRecords!.GetAsync(run.RunId)).RunId);
        }

        var text = await DumpEveryTableAsync();

        Assert.Contains("runs", text.Keys);
        Assert.Contains("\"secrets\"", text["runs"], StringComparison.Ordinal);
        foreach (var value in planted)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            string[] forms = [value, Convert.ToBase64String(bytes), Convert.ToBase64String(bytes).TrimEnd('='), Convert.ToHexStringLower(bytes), Convert.ToHexString(bytes)];
            foreach (var (table, dump) in text)
            {
                Assert.All(forms, form => Assert.DoesNotContain(form, dump, StringComparison.Ordinal));
            }
        }
    }

    private async Task AnotherHostSeesTheWriteWithinTheBound(bool listen, bool killListener)
    {
        await using var a = await StoreHostProcess.StartAsync(_fixture, Bound);
        await using var b = await StoreHostProcess.StartAsync(_fixture, Bound, listen);
        if (listen)
        {
            await ListenerAsync(b);
        }

        var first = (await a.SendAsync("set API_KEY first-value")).Split(' ')[1];
        Assert.Equal("1 first-value", await b.SendAsync($"read API_KEY {first}"));

        // B serves the next read from its cache: without the change feed it would keep serving the old value.
        var trips = await b.SendAsync("roundtrips");
        Assert.Equal("1 first-value", await b.SendAsync("read API_KEY"));
        Assert.Equal(trips, await b.SendAsync("roundtrips"));
        if (killListener)
        {
            await _fixture.ExecuteAsync("SELECT pg_terminate_backend(@pid)", ("pid", await ListenerAsync(b)));
        }

        await a.SendAsync("set API_KEY second-value");

        // The guarantee: a resolution that starts more than MaxStaleness after the commit uses the new version.
        await Task.Delay(Bound + TimeSpan.FromMilliseconds(50));
        Assert.Equal("2 second-value", await b.SendAsync("read API_KEY"));
    }

    private static async Task<int> ListenerAsync(StoreHostProcess host)
    {
        var pid = 0;
        await Eventually(async () => (pid = int.Parse(await host.SendAsync("listener"), CultureInfo.InvariantCulture)) != 0);
        return pid;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(20);
        }
    }

    private async Task<Dictionary<string, string>> DumpEveryTableAsync()
    {
        await using var connection = new NpgsqlConnection(_fixture.Database);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dumps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var dump = new NpgsqlCommand($"SELECT COALESCE(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t", connection);
            dumps[table] = (string)(await dump.ExecuteScalarAsync())!;
        }

        return dumps;
    }
}
