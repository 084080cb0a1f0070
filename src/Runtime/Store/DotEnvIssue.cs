namespace Secrets.Runtime.Store;

/// <summary>A problem with one line of a <c>.env</c> file; never holds a value.</summary>
/// <param name="Line">The 1-based line.</param>
/// <param name="Message">What is wrong.</param>
public sealed record DotEnvIssue(int Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}: {Message}";
}
