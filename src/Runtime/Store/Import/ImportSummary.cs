
namespace Secrets.Runtime.Store.Import;

/// <summary>What an import did (or, with dry run, would do). Names and line numbers only.</summary>
/// <param name="Created">Secrets created.</param>
/// <param name="Updated">Secrets whose value changed.</param>
/// <param name="Skipped">Lines skipped, with why.</param>
/// <param name="DryRun">True when nothing was written.</param>
public sealed record ImportSummary(IReadOnlyList<DotEnvEntry> Created, IReadOnlyList<DotEnvEntry> Updated, IReadOnlyList<DotEnvIssue> Skipped, bool DryRun);
