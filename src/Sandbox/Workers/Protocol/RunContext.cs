using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>What a script sees of its node; serialized as it is, it is the script's <c>context.Json</c> document.</summary>
/// <param name="Secrets">Alias to value: only the node's credentials.</param>
/// <param name="InputJson">The node's input as JSON text.</param>
/// <param name="Run">The run.</param>
internal sealed record RunContext(IReadOnlyDictionary<string, string> Secrets, string InputJson, ScriptRunInfo Run);
