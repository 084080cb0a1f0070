using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Nodes.Code;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Runs;

/// <summary>
/// What a queued run row holds, and how it is turned back into a workflow and a request on a worker: the workflow
/// JSON with code node files inlined (a worker on another machine has no access to the enqueuer's folders), and the
/// request. Neither holds a secret value: workflows hold references, and values are read when each node starts.
/// </summary>
internal static class QueuedWork
{
    public static string Workflow(WorkflowDefinition definition)
    {
        var document = (JsonObject)definition.Document.DeepClone();
        if (document["nodes"] is JsonArray nodes)
        {
            foreach (var node in definition.Nodes.OfType<CodeNode>())
            {
                if (node.SourceFile is not null && nodes[node.Index] is JsonObject json)
                {
                    json.Remove("file");
                    json["source"] = node.Source;
                }
            }
        }

        return document.ToJsonString();
    }

    public static string Request(RunRequest request) => new JsonObject
    {
        ["trigger"] = request.Trigger.ToString(),
        ["user"] = request.User,
        ["actingUser"] = request.ActingUser,
        ["minimumChange"] = request.MinimumChange,
        ["input"] = request.Input?.DeepClone(),
    }.ToJsonString();

    public static RunRequest ParseRequest(string runId, string json)
    {
        try
        {
            var obj = JsonNode.Parse(json)!.AsObject();
            return new RunRequest
            {
                RunId = runId,
                Trigger = Enum.Parse<RunTrigger>(obj["trigger"]!.GetValue<string>()),
                User = obj["user"]!.GetValue<string>(),
                ActingUser = obj["actingUser"]?.GetValue<string>(),
                MinimumChange = obj["minimumChange"]?.GetValue<long>() ?? 0,
                Input = obj["input"]?.DeepClone(),

                // A queued run may start long after it was enqueued and run long: each node reads its values when it
                // starts, through the store's staleness bound, so a rotation reaches the nodes that start after it.
                ResolveEachNode = true,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or NullReferenceException)
        {
            throw new SecretsRuntimeException(QueueErrors.RequestCorruptCode, ErrorKind.Integrity, $"the request of queued run {runId} is not readable");
        }
    }
}
