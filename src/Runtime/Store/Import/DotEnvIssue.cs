
namespace Secrets.Runtime.Store.Import;

/// <summary>A problem with one line of a <c>.env</c> file; never holds a value.</summary>
/// <param name="Line">The 1-based line.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Malformed">True when the line is not a statement the parser understands (as opposed to a note such as an empty value).</param>
public sealed record DotEnvIssue(int Line, string Message, bool Malformed = false)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}: {Message}";
}
