namespace Secrets.Runtime.Server.Contracts;

/// <summary>A line an import skipped or refused, and why (never its value).</summary>
/// <param name="Line">The 1-based line.</param>
/// <param name="Message">Why.</param>
public sealed record ImportIssue(int Line, string Message);
