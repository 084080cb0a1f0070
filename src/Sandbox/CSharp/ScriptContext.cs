using System.Text.Json.Nodes;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The one thing a C# code node sees: its aliased secrets, its input, its run, and a log.</summary>
public sealed class ScriptContext
{
    private readonly List<string> _logs = [];

    /// <summary>Creates the context from the node's <c>context.json</c> parts.</summary>
    public ScriptContext(IReadOnlyDictionary<string, string> secrets, string inputJson, ScriptRunInfo run, string json)
    {
        Secrets = secrets;
        InputJson = inputJson;
        Input = string.IsNullOrWhiteSpace(inputJson) ? null : JsonNode.Parse(inputJson);
        Run = run;
        Json = json;
    }

    /// <summary>Alias to value: only the node's credentials.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    /// <summary>The node's input as JSON text.</summary>
    public string InputJson { get; }

    /// <summary>The node's input, parsed.</summary>
    public JsonNode? Input { get; }

    /// <summary>The run this script belongs to.</summary>
    public ScriptRunInfo Run { get; }

    /// <summary>The whole <c>context.json</c> document.</summary>
    public string Json { get; }

    /// <summary>Lines written with <see cref="Log"/>.</summary>
    public IReadOnlyList<string> Logs => _logs;

    /// <summary>Writes a line to the node's log (the only output channel; masked by the host).</summary>
    public void Log(string message) => _logs.Add(message ?? string.Empty);
}
