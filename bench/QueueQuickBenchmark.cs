using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Npgsql;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// Queued runs side by side in one run, for 200 runs of an I/O-bound workflow (one HTTP node to a local server that
/// answers after 50 ms): in-process execution (the baseline), one worker process, two worker processes, and the
/// enqueue-to-start latency of an idle worker. Needs PostgreSQL: <c>SECRETS_RUNTIME_BENCH_DATABASE</c> (else
/// <c>SECRETS_RUNTIME_TEST_DATABASE</c>); each run of the group uses a fresh database on that server.
/// </summary>
public sealed class QueueQuickBenchmark : IQuickBenchmark
{
    private const int Runs = 200;
    private const int Concurrency = 2;
    private const int LatencyRuns = 30;

    public string Name => "queue";

    public IEnumerable<QuickRow> Run()
    {
        var server = StoreBench.DatabaseFromEnvironment();
        return server is null
            ? [new(Name, "skipped: set SECRETS_RUNTIME_BENCH_DATABASE (eng/pg-test-server starts a server)", "-")]
            : RunAsync(server).GetAwaiter().GetResult();
    }

    private async Task<List<QuickRow>> RunAsync(string server)
    {
        var name = "bench_queue_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var database = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var home = Directory.CreateTempSubdirectory("bench-queue-").FullName;
        var environment = new Dictionary<string, string?>
        {
            ["SECRETS_RUNTIME_HOME"] = home,
            ["SECRETS_RUNTIME_DATABASE"] = database,
            ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        try
        {
            await using var api = new DelayServer(TimeSpan.FromMilliseconds(50));
            var workflow = WorkflowLoader.Parse($$$"""
                { "name": "io", "project": "proj", "owner": "alice", "nodes": [
                  { "id": "call", "type": "http", "url": "{{{api.BaseAddress}}}/delay/{{inputs.n}}", "headers": { "Authorization": "Bearer {{TOKEN}}" }, "allowedHosts": ["127.0.0.1"] } ] }
                """);
            await using var store = await SecretStore.OpenAsync(new StoreOptions { Home = home, Database = database, Environment = environment });
            await store.SetAsync(Principal.LocalAdmin("admin"), new SecretWrite { Scope = SecretScope.Project, Owner = "proj", Name = SecretName.Parse("TOKEN"), Value = "bench-token-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) });

            // Baseline: the same workflow in this process, same store, same concurrency, resolving per node as workers do.
            using var executor = WorkflowExecutor.Create(store);
            RunRequest Request(int n) => new() { User = "alice", Input = new JsonObject { ["n"] = n }, ResolveEachNode = true };
            for (var i = 0; i < 10; i++)
            {
                await executor.RunAsync(workflow, Request(i));
            }

            var clock = Stopwatch.StartNew();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < Runs)
                {
                    await executor.RunAsync(workflow, Request(next));
                }
            })));
            var inProcessRate = Runs / clock.Elapsed.TotalSeconds;
            var single = new List<double>();
            for (var i = 0; i < LatencyRuns; i++)
            {
                var one = Stopwatch.StartNew();
                await executor.RunAsync(workflow, Request(i));
                single.Add(one.Elapsed.TotalMilliseconds);
            }

            await using var queue = await RunQueue.OpenAsync(database, new HangfireRunDispatcher(database));
            double oneRate, twoRate;
            List<(double StartMs, double EndMs)> latencies;
            await using (var first = await BenchWorker.StartAsync(environment))
            {
                await ThroughputAsync(queue, database, workflow, 10);
                oneRate = await ThroughputAsync(queue, database, workflow, Runs);
                latencies = await LatencyAsync(queue, database, workflow);
                await using var second = await BenchWorker.StartAsync(environment);
                await ThroughputAsync(queue, database, workflow, 10);
                twoRate = await ThroughputAsync(queue, database, workflow, Runs);
            }

            var start = Median(latencies.Select(l => l.StartMs));
            var end = Median(latencies.Select(l => l.EndMs));
            var inProcess = Median(single);
            return
            [
                new(Name, string.Create(CultureInfo.InvariantCulture, $"in-process, {Runs} runs, {Concurrency} at a time (baseline)"), Rate(inProcessRate)),
                new(Name, string.Create(CultureInfo.InvariantCulture, $"1 worker process, concurrency {Concurrency}"), Rate(oneRate), RateRatio(oneRate, inProcessRate, "in-process")),
                new(Name, string.Create(CultureInfo.InvariantCulture, $"2 worker processes, concurrency {Concurrency} each"), Rate(twoRate), RateRatio(twoRate, oneRate, "1 worker"), ">= 1.8x 1 worker"),
                new(Name, "enqueue-to-start p50, idle worker (long polling)", Ms(start), string.Empty, "<= 100 ms"),
                new(Name, "one run, in-process p50 (baseline)", Ms(inProcess)),
                new(Name, "one run, enqueue to result p50", Ms(end), string.Create(CultureInfo.InvariantCulture, $"+{end - inProcess:0.0} ms vs in-process")),
            ];
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Enqueues <paramref name="count"/> runs from 8 enqueuers and returns runs per second, first enqueue to last result (database clock).</summary>
    private static async Task<double> ThroughputAsync(RunQueue queue, string database, WorkflowDefinition workflow, int count)
    {
        var ids = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                ids[i] = await queue.SubmitAsync(workflow, new RunRequest { User = "alice", Input = new JsonObject { ["n"] = i } });
            }
        })));
        await WaitAllDoneAsync(database, ids);
        var seconds = await ScalarAsync(database, "SELECT extract(epoch FROM max(ended_at) - min(created_at))::float8 FROM run_queue WHERE run_id = ANY($1)", ids);
        return count / seconds;
    }

    /// <summary>Runs one at a time on an idle worker; per run, enqueue-to-start and enqueue-to-result (database clock).</summary>
    private static async Task<List<(double, double)>> LatencyAsync(RunQueue queue, string database, WorkflowDefinition workflow)
    {
        var result = new List<(double, double)>();
        for (var i = 0; i < LatencyRuns; i++)
        {
            var id = await queue.SubmitAsync(workflow, new RunRequest { User = "alice", Input = new JsonObject { ["n"] = i } });
            await WaitAllDoneAsync(database, [id]);
            var startMs = await ScalarAsync(database, "SELECT extract(epoch FROM a.started_at - q.created_at)::float8 * 1000 FROM run_queue q JOIN run_attempts a USING (run_id) WHERE q.run_id = ANY($1)", [id]);
            var endMs = await ScalarAsync(database, "SELECT extract(epoch FROM q.ended_at - q.created_at)::float8 * 1000 FROM run_queue q WHERE q.run_id = ANY($1)", [id]);
            result.Add((startMs, endMs));
        }

        return result;
    }

    private static async Task WaitAllDoneAsync(string database, string[] ids)
    {
        var clock = Stopwatch.StartNew();
        while (await ScalarAsync(database, "SELECT count(*)::float8 FROM run_queue WHERE run_id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')", ids) < ids.Length)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("queued runs did not finish within 5 minutes");
            }

            await Task.Delay(5);
        }

        if (await ScalarAsync(database, "SELECT count(*)::float8 FROM run_queue WHERE run_id = ANY($1) AND status <> 'succeeded'", ids) > 0)
        {
            throw new InvalidOperationException("a queued run did not succeed");
        }
    }

    private static async Task<double> ScalarAsync(string database, string sql, string[] ids)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Rate(double perSecond) => string.Create(CultureInfo.InvariantCulture, $"{perSecond:0.0} runs/s");

    private static string Ms(double ms) => string.Create(CultureInfo.InvariantCulture, $"{ms:0.0} ms");

    private static string RateRatio(double rate, double baseline, string what) => string.Create(CultureInfo.InvariantCulture, $"{rate / baseline:0.00}x {what}");

    /// <summary>A real <c>secrets-runtime worker</c> process built beside the benchmarks.</summary>
    private sealed class BenchWorker : IAsyncDisposable
    {
        private readonly Process _process;

        private BenchWorker(Process process) => _process = process;

        public static async Task<BenchWorker> StartAsync(Dictionary<string, string?> environment)
        {
            var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll"), "worker", "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }

            var process = Process.Start(info)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            var line = await process.StandardOutput.ReadLineAsync();
            if (line is null || !line.StartsWith("worker ", StringComparison.Ordinal))
            {
                process.Kill();
                throw new InvalidOperationException("the worker did not start: " + line);
            }

            return new BenchWorker(process);
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    /// <summary>A local HTTP API that answers every request after a fixed delay.</summary>
    private sealed class DelayServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly TimeSpan _delay;
        private readonly Task _loop;

        public DelayServer(TimeSpan delay)
        {
            _delay = delay;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseAddress = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(BaseAddress + "/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    var context = await _listener.GetContextAsync();
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(_delay);
                        context.Response.StatusCode = 200;
                        context.Response.ContentType = "application/json";
                        await context.Response.OutputStream.WriteAsync("{\"ok\":true}"u8.ToArray());
                        context.Response.Close();
                    });
                }
            });
        }

        public string BaseAddress { get; }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
            }

            _listener.Close();
        }
    }
}
