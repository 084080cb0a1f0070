namespace Secrets.Runtime.Redaction;

/// <summary>One text to find: a form of a secret, the secret's name, and whether it counts only as a whole token.</summary>
internal sealed record RedactionPattern(string Text, string? Name, bool TokenOnly);
