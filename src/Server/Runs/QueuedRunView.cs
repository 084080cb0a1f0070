using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Runs;

/// <summary>
/// How the API shows a queued run: 202 with its status and attempts while it is queued or runs; once it has ended,
/// 200 with the masked run record (or, for a run cancelled or out of attempts, the record's fields it has), whose
/// <c>status</c> is the queue's (<c>cancelled</c> included), plus <c>queue</c> and <c>attempts</c>.
/// </summary>
internal static class QueuedRunView
{
    public static string StatusText(QueuedRunStatus status) => status.ToString().ToLowerInvariant();

    public static IResult Answer(QueuedRun run)
    {
        var location = "/api/v1/runs/" + run.RunId;
        var attempts = run.Attempts.Select(a => new RunAttemptInfo(a.Number, a.Worker, a.StartedAt, a.EndedAt, a.Outcome, a.ErrorCode, a.Nodes)).ToList();
        if (run.Status is QueuedRunStatus.Queued or QueuedRunStatus.Running)
        {
            return TypedResults.Accepted(location, new RunAccepted(run.RunId, StatusText(run.Status), location, location + "/events") { Attempts = attempts });
        }

        var body = run.Record is { } record
            ? JsonNode.Parse(RunRecordStore.ToJson(record))!.AsObject()
            : new JsonObject
            {
                ["runId"] = run.RunId,
                ["workflow"] = run.Workflow,
                ["project"] = run.Project,
                ["startedBy"] = run.StartedBy,
                ["trigger"] = run.Trigger.ToString().ToLowerInvariant(),
                ["principal"] = run.Principal,
                ["startedAt"] = run.CreatedAt,
                ["endedAt"] = run.EndedAt,
                ["nodes"] = JsonSerializer.SerializeToNode((run.Attempts.Count > 0 ? run.Attempts[^1].Nodes : null) ?? [], ApiJson.Options),
                ["secrets"] = new JsonArray(),
            };
        body["status"] = StatusText(run.Status);
        body["queue"] = run.Queue;
        body["attempts"] = JsonSerializer.SerializeToNode(attempts, ApiJson.Options);
        return TypedResults.Text(body.ToJsonString(), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status200OK);
    }
}
