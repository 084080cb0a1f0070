namespace Secrets.Runtime.Server.Contracts;

/// <summary>What a <c>.env</c> import did, or would do on a dry run: names and line numbers, never values.</summary>
/// <param name="DryRun">True when nothing was written.</param>
/// <param name="Created">Secrets created.</param>
/// <param name="Updated">Secrets given a new version.</param>
/// <param name="Skipped">Lines skipped, with why.</param>
public sealed record ImportReport(bool DryRun, IReadOnlyList<ImportLine> Created, IReadOnlyList<ImportLine> Updated, IReadOnlyList<ImportIssue> Skipped);
