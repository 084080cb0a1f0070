using System.Text.Json.Nodes;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The one thing a C# code node sees: its aliased secrets, its input, its run, a log and HTTP through the host.</summary>
public sealed class ScriptContext
{
    private readonly List<string> _logs = [];
    private readonly int _maxLogChars;
    private readonly Action<string>? _onLog;
    private int _logChars;

    /// <summary>Creates the context from the node's <c>context.json</c> parts (in the worker; scripts cannot construct one).</summary>
    /// <param name="secrets">Alias to value.</param>
    /// <param name="inputJson">The node's input as JSON text.</param>
    /// <param name="run">The run.</param>
    /// <param name="json">The whole <c>context.json</c> document.</param>
    /// <param name="http">Calls the host for <c>context.Http</c> and throws <see cref="InvalidOperationException"/> for a refused call; null refuses every call.</param>
    /// <param name="maxLogChars">The most log text a run may write; past it the run ends with "limit exceeded: output".</param>
    /// <param name="onLog">Called with each line as it is written (the worker sends it to the host at once).</param>
    internal ScriptContext(IReadOnlyDictionary<string, string> secrets, string inputJson, ScriptRunInfo run, string json,
        Func<ScriptHttpRequest, Task<ScriptHttpResponse>>? http = null, int maxLogChars = 64 * 1024, Action<string>? onLog = null)
    {
        Secrets = new Credentials(secrets, run.Node);
        _onLog = onLog;
        InputJson = inputJson;
        Input = string.IsNullOrWhiteSpace(inputJson) ? null : JsonNode.Parse(inputJson);
        Run = run;
        Json = json;
        Http = new ScriptHttp(http ?? (_ => throw new InvalidOperationException("this node has no network access")));
        _maxLogChars = maxLogChars;
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

    /// <summary>HTTP through the host, to the node's allowed hosts only.</summary>
    public ScriptHttp Http { get; }

    /// <summary>Lines written with <see cref="Log"/>.</summary>
    public IReadOnlyList<string> Logs => _logs;

    /// <summary>Writes a line to the node's log (the only output channel; size-capped, masked by the host).</summary>
    public void Log(string message)
    {
        message ??= string.Empty;
        _logChars += message.Length;
        if (_logChars > _maxLogChars)
        {
            ScriptGuard.Trip(ScriptLimit.Output);
        }

        _logs.Add(message);
        _onLog?.Invoke(message);
    }

    /// <summary>
    /// The node's credentials by alias; a missing alias names the node and the aliases it has (never a value), where a
    /// plain dictionary would only say that a key was not present.
    /// </summary>
    private sealed class Credentials(IReadOnlyDictionary<string, string> values, string node) : IReadOnlyDictionary<string, string>
    {
        public string this[string key] => values.TryGetValue(key, out var value) ? value
            : throw new KeyNotFoundException($"no credential with alias '{key}' in node '{node}'; its aliases are {(values.Count == 0 ? "none" : string.Join(", ", values.Keys.Order(StringComparer.Ordinal)))}");

        public IEnumerable<string> Keys => values.Keys;

        public IEnumerable<string> Values => values.Values;

        public int Count => values.Count;

        public bool ContainsKey(string key) => values.ContainsKey(key);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => values.TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
