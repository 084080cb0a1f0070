using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Tests;

public sealed class ShutdownTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("srt-shutdown-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>An HTTP handler that holds every request until the test releases it.</summary>
    private sealed class GateHandler : HttpMessageHandler
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"ok\":true}") };
        }
    }

    [Fact]
    public async Task Shutdown_waits_for_a_run_in_flight_and_the_run_finishes_and_is_recorded()
    {
        var gate = new GateHandler();
        var bootstrap = new StringWriter();
        var options = new SecretsServerOptions
        {
            Urls = "http://127.0.0.1:0",
            ShutdownTimeout = TimeSpan.FromMinutes(2),
            Runtime = new Hosting.SecretsRuntimeOptions { Home = _home, Environment = new Dictionary<string, string?>(), HttpHandler = gate },
            BootstrapOutput = bootstrap,
            WriteLogsTo = sinks => sinks.Sink(new CollectingSink()),
        };
        using var host = SecretsServerHost.CreateBuilder(options).Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bootstrap.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("srt_", StringComparison.Ordinal)));
        var workflow = RunWorkflows.Workflow("alpha");
        workflow["nodes"] = new JsonArray(new JsonObject { ["id"] = "call", ["type"] = "http", ["method"] = "GET", ["url"] = "https://api.example.test/slow", ["allowedHosts"] = new JsonArray("api.example.test") });

        var started = await client.PostJsonAsync("/api/v1/runs", RunWorkflows.Inline(workflow));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.JsonAsync()).GetProperty("id").GetString()!;
        await gate.Entered.Task.WaitAsync(TimeSpan.FromMinutes(1));

        // The run holds inside its HTTP node: stopping cannot finish until it does.
        var stopping = host.StopAsync();
        Assert.False(stopping.IsCompleted);
        gate.Release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromMinutes(1));

        var record = await host.Services.GetRequiredService<IRunRecordStore>().GetAsync(runId);
        Assert.Equal(RunStatus.Succeeded, record.Status);
    }
}
