namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The globals of a code node script: one member, <c>context</c>.</summary>
public sealed class ScriptGlobals
{
    /// <summary>Creates the globals.</summary>
    public ScriptGlobals(ScriptContext context) => this.context = context;

    /// <summary>The script's view of its node (lower-case, as scripts write it).</summary>
#pragma warning disable IDE1006, CA1707 // The script-facing name is 'context'.
    public ScriptContext context { get; }
#pragma warning restore IDE1006, CA1707
}
