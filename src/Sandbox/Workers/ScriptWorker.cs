using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The worker side of the protocol: reads one request line (image, <c>context.json</c>), runs the script in a
/// collectible load context, writes one response line. Runs only inside the worker process, never in the host.
/// </summary>
public static class ScriptWorker
{
    /// <summary>Handles requests, one line each, until its input closes; returns the process exit code.</summary>
    public static async Task<int> RunAsync(Stream input, Stream output)
    {
        // Regexes built without a timeout still stop: set before any Regex is created.
        AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromMilliseconds(200));

        // Warm up what every run uses while waiting for the first request.
        _ = JsonNode.Parse("{\"warm\":[1]}")!.ToJsonString();
        _ = JsonSerializer.Serialize(new { warm = 1 });
        using var reader = new StreamReader(input, Encoding.UTF8);
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var response = await HandleAsync(line).ConfigureAwait(false);
            var bytes = Encoding.UTF8.GetBytes(response.ToJsonString() + "\n");
            await output.WriteAsync(bytes).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<JsonObject> HandleAsync(string line)
    {
        var response = new JsonObject();
        ScriptContext? context = null;
        try
        {
            var request = JsonNode.Parse(line)!.AsObject();
            var contextJson = request["context"]!.ToJsonString();
            var secrets = request["context"]!["secrets"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
            var run = request["context"]!["run"]!;
            context = new ScriptContext(secrets, request["context"]!["inputJson"]!.GetValue<string>(),
                new ScriptRunInfo(Text(run, "runId"), Text(run, "workflow"), Text(run, "node"), Text(run, "trigger")), contextJson);
            var image = Convert.FromBase64String(request["image"]!.GetValue<string>());
            var value = await ExecuteAsync(image, context).ConfigureAwait(false);
            response["status"] = "ok";
            response["value"] = Serialize(value);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex is TargetInvocationException { InnerException: { } e } ? e : ex;
            response["status"] = "error";
            response["error"] = $"{inner.GetType().Name}: {inner.Message}";
        }

        response["logs"] = new JsonArray((context?.Logs ?? []).Select(l => (JsonNode)JsonValue.Create(l)).ToArray());
        return response;
    }

    private static async Task<object?> ExecuteAsync(byte[] image, ScriptContext context)
    {
        var loadContext = new AssemblyLoadContext("code-node", isCollectible: true);
        try
        {
            var assembly = loadContext.LoadFromStream(new MemoryStream(image));
            var submission = assembly.GetType("Script") ?? throw new InvalidOperationException("compiled script has no submission type");
            var factory = submission.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException("compiled script has no factory");
            var states = new object?[2];
            states[0] = new ScriptGlobals(context);
            var task = (Task<object>)factory.Invoke(null, [states])!;
            return await task.ConfigureAwait(false);
        }
        finally
        {
            loadContext.Unload();
        }
    }

    private static string Serialize(object? value) => value switch
    {
        null => "null",
        JsonNode node => node.ToJsonString(),
        string s => JsonSerializer.Serialize(s),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };

    private static string Text(JsonNode run, string key) => run[key]?.GetValue<string>() ?? string.Empty;
}
