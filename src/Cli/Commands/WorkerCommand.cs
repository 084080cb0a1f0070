using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Redaction.Logging;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Serilog;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>worker</c>: a process that executes queued runs (a Hangfire server over the shared PostgreSQL store).</summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var concurrency = new Option<int?>("--concurrency") { Description = "Runs executed at once (1 to 256; default: the processor count, at least 2)" };
        var queues = new Option<string>("--queues") { Description = "Queues to take runs from, comma-separated, first first (default: default)", DefaultValueFactory = _ => RunQueue.DefaultQueue };
        var lease = new Option<int?>("--lease") { Description = "Seconds a run's lease lasts unless renewed: how soon another worker takes over a run whose worker died (1 to 3600; default 30)" };
        var listenerTimeout = new Option<int?>("--listener-timeout") { Description = "Seconds to wait at start for the store's change listener and the cancel listener; the worker takes no run without them (1 to 600; default 30)" };
        var attempts = new Option<int?>("--max-attempts") { Description = "Attempts a run gets when they end without a result (1 to 10; default 5)" };
        var command = new Command("worker", "Execute queued runs (run FILE --queue) from the shared PostgreSQL store, with the same sandbox and masking as run; start as many as wanted, on any machine") { concurrency, queues, lease, attempts, listenerTimeout };
        command.SetAction((parse, ct) =>
        {
            var redactor = new SecretRedactor();
            return context.RunAsync(parse, async () =>
            {
                var database = QueueAccess.Database(context, parse, "worker");
                var runs = new RunQueueOptions
                {
                    LeaseDuration = TimeSpan.FromSeconds(CliInput.InRange(parse, lease, 1, 3600, "lease seconds") ?? (int)RunQueueOptions.DefaultLeaseDuration.TotalSeconds),
                    MaxAttempts = CliInput.InRange(parse, attempts, 1, 10, "attempts") ?? 5,
                    ListenerTimeout = TimeSpan.FromSeconds(CliInput.InRange(parse, listenerTimeout, 1, 600, "listener seconds") ?? 30),
                };
                var options = new QueueWorkerOptions
                {
                    Concurrency = CliInput.InRange(parse, concurrency, 1, 256, "runs") ?? new QueueWorkerOptions().Concurrency,
                    Queues = parse.GetValue(queues)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Runs = runs,
                };
                options.Validate();

                // SIGTERM stops the worker like Ctrl+C: running runs go back on the queue for another worker.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
                {
                    signal.Cancel = true;
                    stop.Cancel();
                });
                await using var logger = new LoggerConfiguration()
                    .WithSecretRedaction(redactor, wt => wt.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture))
                    .CreateLogger();
                // The same front door as run and serve: store, sandbox pools and redaction configured alike. Queued runs
                // keep their records in the queue's own tables, so the executor keeps none of its own.
                await using var runtime = await context.OpenRuntimeAsync(parse, stop.Token, redactor, o =>
                {
                    o.Logger = logger;
                    o.KeepRunRecords = false;
                }).ConfigureAwait(false);
                var store = runtime.Store as SecretStore ?? throw new InvalidOperationException("the worker needs the runtime's own store");
                await QueueWorkerHost.RunAsync(database, store, runtime.Runs, options, logger, id =>
                {
                    context.Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"worker {id} started (concurrency {options.Concurrency}, queues {string.Join(',', options.Queues)}, lease {runs.LeaseDuration.TotalSeconds:0} s)"));
                    context.Console.Out.Flush();
                }, stop.Token).ConfigureAwait(false);
                await context.Console.Out.WriteLineAsync("worker stopped").ConfigureAwait(false);
                return ExitCodes.Ok;
            }, redactor);
        });
        return command;
    }
}
