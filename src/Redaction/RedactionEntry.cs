namespace Secrets.Runtime.Redaction;

/// <summary>A registered secret: its value, optional name, and every form registered for it.</summary>
internal sealed record RedactionEntry(string Value, string? Name, IReadOnlyList<string> Forms, int MinimumLength);
