using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>workers</c>: the live workers, their concurrency and the runs they hold.</summary>
internal static class WorkersCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON array: id, host, pid, concurrency, queues, runs, startedAt, heartbeatAt" };
        var command = new Command("workers", "List live workers (heartbeat within their lease), their concurrency and current runs") { json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            await using var queue = await RunQueue.OpenAsync(QueueAccess.Database(context, parse, "workers"), dispatcher: null, ct).ConfigureAwait(false);
            var workers = await queue.WorkersAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var array = new JsonArray(workers.Select(w => (JsonNode)new JsonObject
                {
                    ["id"] = w.Id,
                    ["host"] = w.Host,
                    ["pid"] = w.ProcessId,
                    ["concurrency"] = w.Concurrency,
                    ["queues"] = new JsonArray(w.Queues.Select(q => (JsonNode)JsonValue.Create(q)).ToArray()),
                    ["runs"] = new JsonArray(w.Runs.Select(r => (JsonNode)JsonValue.Create(r)).ToArray()),
                    ["startedAt"] = w.StartedAt,
                    ["heartbeatAt"] = w.HeartbeatAt,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["WORKER", "HOST", "PID", "CONCURRENCY", "QUEUES", "RUNS", "HEARTBEAT"], workers.Select(w => new[]
            {
                w.Id, w.Host, w.ProcessId.ToString(CultureInfo.InvariantCulture), w.Concurrency.ToString(CultureInfo.InvariantCulture),
                string.Join(',', w.Queues), w.Runs.Count == 0 ? "-" : string.Join(',', w.Runs), w.HeartbeatAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
