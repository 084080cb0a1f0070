namespace Secrets.Runtime.Redaction;

/// <summary>
/// One text to find: a form of a secret, the entry it belongs to (skipped once released), whether it counts only as
/// a whole token, whether case is ignored, and whether a hit extends over the rest of a Base64 group.
/// </summary>
internal sealed record RedactionPattern(string Text, RedactionEntry Entry, bool TokenOnly, bool IgnoreCase, bool Base64);
