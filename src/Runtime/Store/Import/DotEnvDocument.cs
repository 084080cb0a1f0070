
namespace Secrets.Runtime.Store.Import;

/// <summary>A parsed <c>.env</c> file: the statements to import, warnings for skipped lines, and errors that stop the import.</summary>
/// <param name="Entries">The statements, one per name (the last definition wins).</param>
/// <param name="Warnings">Lines skipped (not statements, empty values) and redefinitions.</param>
/// <param name="Errors">Problems that make the whole import fail: invalid keys, collisions, <c>export FOO</c> with no value.</param>
public sealed record DotEnvDocument(IReadOnlyList<DotEnvEntry> Entries, IReadOnlyList<DotEnvIssue> Warnings, IReadOnlyList<DotEnvIssue> Errors);
