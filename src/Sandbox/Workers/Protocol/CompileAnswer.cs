using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Compile worker to host: an image, or the diagnostics that refused the script (never both).</summary>
/// <param name="Image">The emitted image (the host checks it again before use).</param>
/// <param name="Diagnostics">Compiler errors and policy refusals.</param>
internal sealed record CompileAnswer(byte[]? Image, IReadOnlyList<ScriptDiagnostic>? Diagnostics) : WorkerMessage
{
    /// <inheritdoc />
    public override bool IsWellFormed => Image is null ? Diagnostics is { Count: > 0 } : Diagnostics is null or { Count: 0 };
}
