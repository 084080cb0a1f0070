namespace Secrets.Runtime.Redaction;

/// <summary>Where a form of a secret was found: [Start, End) in the original text.</summary>
internal readonly record struct RedactionHit(int Start, int End, string? Name);
