namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>Why a script was refused, like a compiler error: where, which rule or symbol, and what to do.</summary>
/// <param name="Line">1-based line in the script.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Code">The compiler's id (CS....) or the policy's (SR....).</param>
/// <param name="Message">What is wrong.</param>
internal sealed record ScriptDiagnostic(int Line, int Column, string Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"({Line},{Column}): {Code}: {Message}";
}
