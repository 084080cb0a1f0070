namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>What a script knows about the run it belongs to.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Node">The node's id.</param>
/// <param name="Trigger">What started the run.</param>
public sealed record ScriptRunInfo(string RunId, string Workflow, string Node, string Trigger);
