namespace Secrets.Runtime.Server.Contracts;

/// <summary>One imported name and the line it came from.</summary>
/// <param name="Name">The secret's name.</param>
/// <param name="Line">The 1-based line.</param>
public sealed record ImportLine(string Name, int Line);
