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
/// The request keeps the run's principal (user, grants, token scopes and id), so a queued run reads only what its
/// caller may use, exactly as a run in the server's own process; the worker re-reads the user's grants when the run
/// starts (see <see cref="QueuedRunWorker"/>), so a grant revoked while the run waited is not used.
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
        ["principal"] = request.Principal is { } principal ? PrincipalJson(principal) : null,
    }.ToJsonString();

    private static JsonObject PrincipalJson(Store.Principal principal) => new()
    {
        ["user"] = principal.UserId,
        ["grants"] = new JsonArray(principal.Grants.Select(g => (JsonNode)new JsonObject
        {
            ["scope"] = g.Scope.ToString(),
            ["owner"] = g.Owner,
            ["role"] = g.Role.ToString(),
        }).ToArray()),
        ["scopes"] = principal.Scopes is { } scopes ? new JsonArray(scopes.Order(StringComparer.Ordinal).Select(s => (JsonNode)JsonValue.Create(s)).ToArray()) : null,
        ["tokenId"] = principal.TokenId,
        ["actingUser"] = principal.ActingUser,
    };

    // By name only: a number (or a name the enum lacks) would be a role no one granted.
    private static T Named<T>(string text)
        where T : struct, Enum =>
        Enum.GetNames<T>().Contains(text, StringComparer.Ordinal) ? Enum.Parse<T>(text) : throw new ArgumentException("unknown " + typeof(T).Name);

    private static Store.Principal? ParsePrincipal(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var obj = node.AsObject();
        var grants = obj["grants"]!.AsArray().Select(g => new Store.RoleGrant(
            Named<Store.SecretScope>(g!["scope"]!.GetValue<string>()),
            g["owner"]!.GetValue<string>(),
            Named<Store.SecretRole>(g["role"]!.GetValue<string>()))).ToList();
        return new Store.Principal(obj["user"]!.GetValue<string>(), grants)
        {
            Scopes = obj["scopes"] is JsonArray scopes ? scopes.Select(s => s!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : null,
            TokenId = obj["tokenId"]?.GetValue<string>(),
            ActingUser = obj["actingUser"]?.GetValue<string>(),
        };
    }

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
                Principal = ParsePrincipal(obj["principal"]),

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
