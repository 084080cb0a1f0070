using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Secrets.Runtime.Cli;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Tests.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Store.Crypto;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>
/// A fresh database on the PostgreSQL test server for one test (store, queue and Hangfire tables), a master key, and
/// helpers: the enqueuer (this process), the CLI in-process, worker processes, and waiting on run states.
/// </summary>
internal sealed class QueueDatabase : IAsyncDisposable
{
    private readonly string _name;
    private readonly List<WorkerProcess> _workers = [];

    private QueueDatabase(string name, string connection)
    {
        _name = name;
        Connection = connection;
        Home = Directory.CreateTempSubdirectory("queue-test-").FullName;
        MasterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }

    public string Connection { get; }

    public string Home { get; }

    public string MasterKey { get; }

    public static async Task<QueueDatabase> CreateAsync()
    {
        var name = "queue_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        await using (var admin = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connection = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Database = name }.ConnectionString;
        return new QueueDatabase(name, connection);
    }

    public Dictionary<string, string?> Environment => new()
    {
        ["SECRETS_RUNTIME_HOME"] = Home,
        ["SECRETS_RUNTIME_DATABASE"] = Connection,
        ["SECRETS_RUNTIME_MASTER_KEY"] = MasterKey,
    };

    public Task<SecretStore> OpenStoreAsync() =>
        SecretStore.OpenAsync(new StoreOptions { Home = Home, Database = Connection, Environment = Environment });

    public Task<RunQueue> OpenQueueAsync() => RunQueue.OpenAsync(Connection, new HangfireRunDispatcher(Connection));

    /// <summary>Sets a project secret; returns its change number.</summary>
    public async Task<long> SetSecretAsync(string name, string value)
    {
        await using var store = await OpenStoreAsync();
        var written = await store.SetAsync(Principal.LocalAdmin("admin"), new SecretWrite { Scope = SecretScope.Project, Owner = "proj", Name = SecretName.Parse(name), Value = value });
        return written.Change;
    }

    /// <summary>Runs the CLI in this process against the database.</summary>
    public async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole { In = new StringReader(string.Empty), Out = output, Error = error, IsInputRedirected = true, Environment = Environment };
        var code = await CliApplication.RunAsync(args, console);
        return (code, output.ToString(), error.ToString());
    }

    public async Task<WorkerProcess> StartWorkerAsync(int concurrency = 2, int leaseSeconds = 2, int maxAttempts = 5, string? connection = null, IReadOnlyList<string>? extra = null)
    {
        var worker = await WorkerProcess.StartAsync(this, concurrency, leaseSeconds, maxAttempts, connection, extra);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked every 100 ms), failing after <paramref name="seconds"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), $"timed out after {seconds} s waiting for: {what}");
            await Task.Delay(100);
        }
    }

    public static async Task<QueuedRun> WaitForStatusAsync(RunQueue queue, string runId, params QueuedRunStatus[] statuses)
    {
        QueuedRun? run = null;
        await EventuallyAsync(async () => (run = await queue.FindAsync(runId)) is not null && statuses.Contains(run.Status), $"run {runId} to be {string.Join(" or ", statuses)}");
        return run!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Connection);
        await connection.OpenAsync();
#pragma warning disable CA2100 // Test SQL is constant.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Connection);
        await connection.OpenAsync();
#pragma warning disable CA2100 // Test SQL is constant.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of every table in every schema (Hangfire's and ours), as text, by schema.table.</summary>
    public async Task<Dictionary<string, string>> DumpEveryTableAsync()
    {
        await using var connection = new NpgsqlConnection(Connection);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var text = new StringBuilder();
#pragma warning disable CA2100 // Table names come from the catalogue, quoted.
            await using var select = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }

            dump[table] = text.ToString();
        }

        return dump;
    }

    public static WorkflowDefinition Workflow(string nodes) =>
        WorkflowLoader.Parse($$"""{ "name": "queued", "project": "proj", "owner": "alice", "nodes": [ {{nodes}} ] }""");

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var admin = new NpgsqlConnection(PostgresTestServer.ConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // A database left behind goes with the throwaway server.
        }

        Directory.Delete(Home, recursive: true);
    }
}
