using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Queue;

/// <summary>
/// A worker process: a generic host running a Hangfire server over the shared PostgreSQL database, executing queued
/// runs with the process's store, sandbox pools and redaction. It takes no job before the store's change listener
/// and its own cancel listener are connected.
/// </summary>
internal static class QueueWorkerHost
{
    /// <summary>Runs the worker until <paramref name="cancellationToken"/> fires; running runs go back on the queue.</summary>
    /// <param name="database">The shared database (the store's).</param>
    /// <param name="store">The secret store over that database.</param>
    /// <param name="executor">Executes the runs; its redactor and logger are the worker's.</param>
    /// <param name="options">Concurrency, queues, lease.</param>
    /// <param name="logger">Worker events (through the redactor).</param>
    /// <param name="started">Called with the worker id once it takes jobs.</param>
    /// <param name="cancellationToken">Stops the worker.</param>
    public static async Task RunAsync(string database, SecretStore store, WorkflowExecutor executor, QueueWorkerOptions options, Serilog.ILogger logger, Action<string>? started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        await using var worker = await QueuedRunWorker.StartAsync(database, store, executor, options.Runs, options.Concurrency, options.Queues, logger, cancellationToken).ConfigureAwait(false);
        var storage = QueueStorage.Create(database, options.Runs.LeaseDuration);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(worker);
        builder.Services.AddTransient<RunJob>();
        builder.Services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseRecommendedSerializerSettings()
            .UseStorage(storage));
        builder.Services.AddHangfireServer(server =>
        {
            server.ServerName = worker.Id;
            server.WorkerCount = options.Concurrency;
            server.Queues = [.. options.Queues];
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        started?.Invoke(worker.Id);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }

        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
