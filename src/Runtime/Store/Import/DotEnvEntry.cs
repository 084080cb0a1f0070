
namespace Secrets.Runtime.Store.Import;

/// <summary>One <c>KEY=VALUE</c> statement of a <c>.env</c> file.</summary>
/// <param name="Name">The upper-cased name.</param>
/// <param name="Value">The value after unquoting, unescaping and expansion. Never printed.</param>
/// <param name="Line">The 1-based line the statement starts on.</param>
public sealed record DotEnvEntry(SecretName Name, string Value, int Line)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name.Value} (line {Line})";
}
