using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Secrets.Runtime.Server;
using Serilog.Core;
using Serilog.Events;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// The HTTP API on a real Kestrel over loopback, beside a Kestrel "hello" endpoint in the same process and run
/// (the baseline): list 50 of 1,000 secrets, a PUT round trip, and an inline 2-node run with <c>?wait=true</c>.
/// </summary>
public sealed class ServerQuickBenchmark : IQuickBenchmark
{
    public string Name => "server";

    private sealed class DiscardSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
        }
    }

    public IEnumerable<QuickRow> Run()
    {
        var home = Directory.CreateTempSubdirectory("bench-server-").FullName;
        try
        {
            return RunIn(home).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<List<QuickRow>> RunIn(string home)
    {
        var bootstrap = new StringWriter();
        using var server = SecretsServerHost.CreateBuilder(new SecretsServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Runtime = new Hosting.SecretsRuntimeOptions { Home = home, Environment = new Dictionary<string, string?>() },
            BootstrapOutput = bootstrap,
            WriteLogsTo = sinks => sinks.Sink(new DiscardSink()),
        }).Build();
        await server.StartAsync();

        var hello = WebApplication.CreateSlimBuilder();
        hello.WebHost.UseUrls("http://127.0.0.1:0");
        hello.Logging.ClearProviders();
        await using var helloApp = hello.Build();
        helloApp.MapGet("/hello", () => "hello");
        await helloApp.StartAsync();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri(Address(server.Services)) };
            using var baseline = new HttpClient { BaseAddress = new Uri(Address(helloApp.Services)) };
            using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
            var token = bootstrap.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("srt_", StringComparison.Ordinal));
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            // 1,000 secrets in one project, through the API's own import.
            var dotEnv = string.Concat(Enumerable.Range(0, 1000).Select(i => $"SECRET_{i:0000}=value-{i:0000}-0123456789\n"));
            (await api.PostAsync(new Uri("/api/v1/projects/bench/imports", UriKind.Relative), new StringContent(dotEnv, Encoding.UTF8, "text/plain"))).EnsureSuccessStatusCode();

            var helloUri = new Uri("/hello", UriKind.Relative);
            var listUri = new Uri("/api/v1/secrets?project=bench&limit=50", UriKind.Relative);
            var healthUri = new Uri("/healthz", UriKind.Relative);
            var emptyUri = new Uri("/api/v1/secrets?project=none&limit=50", UriKind.Relative);
            var putUri = new Uri("/api/v1/projects/bench/secrets/PUT_TARGET", UriKind.Relative);
            var runUri = new Uri("/api/v1/runs?wait=true", UriKind.Relative);
            var run = "{\"workflow\":{\"name\":\"two\",\"project\":\"bench\",\"owner\":\"x\",\"nodes\":[" +
                "{\"id\":\"a\",\"type\":\"expression\",\"expression\":\"secrets.SECRET_0001.length\"}," +
                "{\"id\":\"b\",\"type\":\"expression\",\"expression\":\"nodes.a.output + secrets.SECRET_0002.length\"}]}}";
            var counter = 0;

            void Hello() => Send(baseline, new HttpRequestMessage(HttpMethod.Get, helloUri));
            void List() => Send(api, new HttpRequestMessage(HttpMethod.Get, listUri));
            void Health() => Send(anonymous, new HttpRequestMessage(HttpMethod.Get, healthUri));
            void HealthWithToken() => Send(api, new HttpRequestMessage(HttpMethod.Get, healthUri));
            void Empty() => Send(api, new HttpRequestMessage(HttpMethod.Get, emptyUri));

            // A commit to the file from another connection, as the CLI or another process makes: the next list finds
            // nothing remembered and reads the page again, so the cache cannot flatter that row.
            using var outside = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(home, "secrets.db"), Pooling = false, DefaultTimeout = 30 }.ToString());
            outside.Open();
            using var touch = outside.CreateCommand();
            touch.CommandText = "UPDATE secrets SET description = $d WHERE scope = 'project' AND owner = 'bench' AND name = 'SECRET_0000'";
            var touchDescription = touch.Parameters.Add("$d", SqliteType.Text);
            void Commit()
            {
                touchDescription.Value = $"touched {Interlocked.Increment(ref counter)}";
                touch.ExecuteNonQuery();
            }
            // A commit that touches no table the list reads (an audit row, as every run's use of a secret writes):
            // the remembered page and authentication stay valid.
            using var audit = outside.CreateCommand();
            audit.CommandText = "INSERT INTO audit (at, actor, action, detail) VALUES ('2026-01-01T00:00:00.0000000Z', 'bench', 'use', $d)";
            var auditDetail = audit.Parameters.Add("$d", SqliteType.Text);
            void AuditCommit()
            {
                auditDetail.Value = $"run {Interlocked.Increment(ref counter)}";
                audit.ExecuteNonQuery();
            }
            void Put() => Send(api, new HttpRequestMessage(HttpMethod.Put, putUri)
            {
                Content = new StringContent($"{{\"value\":\"v-{Interlocked.Increment(ref counter)}-0123456789\"}}", Encoding.UTF8, "application/json"),
            });
            void Run() => Send(api, new HttpRequestMessage(HttpMethod.Post, runUri) { Content = new StringContent(run, Encoding.UTF8, "application/json") });

            var list = QuickMeasure.Side([Hello, List, Health, HealthWithToken, Empty, Commit, List, AuditCommit, List], TimeSpan.FromSeconds(8), warmup: 100);
            var put = QuickMeasure.Side([Hello, Put], TimeSpan.FromSeconds(3), warmup: 50);
            var runs = QuickMeasure.Side([Hello, Run], TimeSpan.FromSeconds(4), warmup: 10);
            return
            [
                new("server", "Kestrel GET /hello (baseline), p50", QuickMeasure.Duration(list[0].P50Ns), "baseline"),
                new("server", "GET /api/v1/secrets, 50 of 1,000, p50", QuickMeasure.Duration(list[1].P50Ns), QuickMeasure.Ratio(list[1].P50Ns, list[0].P50Ns), "≤ 3x hello"),
                new("server", "GET /api/v1/secrets, 50 of 1,000, p95", QuickMeasure.Duration(list[1].P95Ns), QuickMeasure.Ratio(list[1].P95Ns, list[0].P95Ns)),
                new("server", "GET /api/v1/secrets, 50 of 1,000, just after a commit by another connection, p50", QuickMeasure.Duration(list[6].P50Ns), QuickMeasure.Ratio(list[6].P50Ns, list[0].P50Ns)),
                new("server", "GET /api/v1/secrets, 50 of 1,000, just after another connection commits an audit row, p50", QuickMeasure.Duration(list[8].P50Ns), QuickMeasure.Ratio(list[8].P50Ns, list[0].P50Ns)),
                new("server", "of which: GET /healthz (the pipeline, no token), p50", QuickMeasure.Duration(list[2].P50Ns), QuickMeasure.Ratio(list[2].P50Ns, list[0].P50Ns)),
                new("server", "of which: GET /healthz with the token (pipeline, authentication), p50", QuickMeasure.Duration(list[3].P50Ns), QuickMeasure.Ratio(list[3].P50Ns, list[0].P50Ns)),
                new("server", "of which: GET /api/v1/secrets, an empty page (token, query), p50", QuickMeasure.Duration(list[4].P50Ns), QuickMeasure.Ratio(list[4].P50Ns, list[0].P50Ns)),
                new("server", "PUT a secret (new version), p50", QuickMeasure.Duration(put[1].P50Ns), QuickMeasure.Ratio(put[1].P50Ns, put[0].P50Ns), "reported"),
                new("server", "POST /api/v1/runs?wait=true, 2 expression nodes, p50", QuickMeasure.Duration(runs[1].P50Ns), QuickMeasure.Ratio(runs[1].P50Ns, runs[0].P50Ns), "reported"),
            ];
        }
        finally
        {
            await helloApp.StopAsync();
            await server.StopAsync();
        }
    }

    private static string Address(IServiceProvider services) =>
        services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static void Send(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseContentRead);
            response.EnsureSuccessStatusCode();
            response.Content.ReadAsStream().CopyTo(Stream.Null);
        }
    }
}
