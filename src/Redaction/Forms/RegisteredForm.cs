namespace Secrets.Runtime.Redaction.Forms;

/// <summary>One text registered for a value, and whether it also matches with its letters in another case.</summary>
internal readonly record struct RegisteredForm(string Text, bool IgnoreCase);
