using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>run FILE --queue</c>, <c>runs show</c> of a queued run, and <c>runs cancel ID</c>.</summary>
internal static class QueuedRunCommands
{
    private static readonly System.Text.Json.JsonSerializerOptions NodeJson = new(CliJson.Options)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Creates the run row, enqueues its id and prints it.</summary>
    public static async Task<int> SubmitAsync(CliContext context, ParseResult parse, WorkflowDefinition workflow, RunRequest request, string queue, CancellationToken cancellationToken)
    {
        RunQueue.CheckQueueName(queue);
        await using var runs = await QueueAccess.OpenAsync(context, parse, "run --queue", cancellationToken).ConfigureAwait(false);
        var runId = await runs.SubmitAsync(workflow, request, queue, cancellationToken).ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync($"run {runId} queued (queue {queue}, principal {request.User})").ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync($"follow it: {context.Hint(parse, "runs show " + runId)}").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>Prints a queued run (status, attempts with their nodes, the final record) and returns true; false when the run was not queued.</summary>
    public static async Task<bool> ShowAsync(CliContext context, ParseResult parse, string runId, CancellationToken cancellationToken)
    {
        if (context.StoreOptions(parse).Database is not { } database)
        {
            return false;
        }

        await using var runs = await RunQueue.OpenAsync(database, dispatcher: null, cancellationToken).ConfigureAwait(false);
        if (await runs.FindAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return false;
        }

        await context.Console.Out.WriteLineAsync(ToJson(run).ToJsonString(CliJson.Indented)).ConfigureAwait(false);
        return true;
    }

    /// <summary><c>runs cancel ID</c>: cancels a queued run at once, or asks the worker running it to stop, and waits (up to 10 s) until it has.</summary>
    public static Command Cancel(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "Run id (as run --queue printed it)" };
        var command = new Command("cancel", "Cancel a queued or running run (on any worker)") { id };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var runId = parse.GetValue(id)!;
            var notFound = new SecretsRuntimeException(WorkflowErrors.RunNotFoundCode, ErrorKind.NotFound, $"ID ({context.PositionOf(runId)}) is not a queued run; `{context.Hint(parse, "runs list")}` shows the runs");
            if (runId.Length is 0 or > 64 || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw notFound;
            }

            await using var runs = await QueueAccess.OpenAsync(context, parse, "runs cancel", ct).ConfigureAwait(false);
            QueuedRunStatus status;
            try
            {
                status = await runs.CancelAsync(runId, ct).ConfigureAwait(false);
            }
            catch (SecretsRuntimeException ex) when (ex.Code == WorkflowErrors.RunNotFoundCode)
            {
                throw notFound;
            }

            // A running run stops on its worker, woken by the request; wait to report how it ended.
            for (var i = 0; status == QueuedRunStatus.Running && i < 100; i++)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
                status = (await runs.FindAsync(runId, ct).ConfigureAwait(false))!.Status;
            }

            var text = Text(status);
            await context.Console.Out.WriteLineAsync(status == QueuedRunStatus.Running
                ? $"run {runId}: cancel requested; its worker has not stopped it yet (see {context.Hint(parse, "runs show " + runId)})"
                : $"run {runId} {text}").ConfigureAwait(false);
            return status is QueuedRunStatus.Cancelled ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private static string Text(QueuedRunStatus status) => status.ToString().ToLowerInvariant();

    private static JsonObject ToJson(QueuedRun run)
    {
        var json = new JsonObject
        {
            ["runId"] = run.RunId,
            ["workflow"] = run.Workflow,
            ["queue"] = run.Queue,
            ["status"] = Text(run.Status),
            ["createdAt"] = run.CreatedAt,
            ["endedAt"] = run.EndedAt,
            ["cancelRequested"] = run.CancelRequested,
            ["leaseOwner"] = run.LeaseOwner,
            ["leaseExpiresAt"] = run.LeaseExpiresAt,
            ["attempts"] = new JsonArray(run.Attempts.Select(a => (JsonNode)new JsonObject
            {
                ["attempt"] = a.Number,
                ["worker"] = a.Worker,
                ["startedAt"] = a.StartedAt,
                ["endedAt"] = a.EndedAt,
                ["outcome"] = a.Outcome,
                ["errorCode"] = a.ErrorCode,
                ["nodes"] = new JsonArray(a.Nodes.Select(n => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(n, NodeJson))).ToArray()),
            }).ToArray()),
            ["record"] = run.Record is null ? null : JsonNode.Parse(RunRecordStore.ToJson(run.Record)),
        };
        return json;
    }
}
