namespace Secrets.Runtime.Redaction;

/// <summary>One text to find: a form of a secret, the secret's name, whether it counts only as a whole token, and whether case is ignored.</summary>
internal sealed record RedactionPattern(string Text, string? Name, bool TokenOnly, bool IgnoreCase);
