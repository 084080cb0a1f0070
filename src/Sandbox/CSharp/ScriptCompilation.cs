namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The outcome of compiling a script: an image to run in a worker, or the diagnostics that refused it.</summary>
/// <param name="Image">The emitted assembly, or null when refused.</param>
/// <param name="Diagnostics">Compiler errors and policy refusals, in source order.</param>
internal sealed record ScriptCompilation(byte[]? Image, IReadOnlyList<ScriptDiagnostic> Diagnostics)
{
    /// <summary>True when the script compiled and passed the policy.</summary>
    public bool Succeeded => Image is not null;
}
