namespace Secrets.Runtime.Redaction.Forms;

/// <summary>
/// One text registered for a value; whether it also matches with its letters in another case; and whether it is a
/// Base64 slice, whose hit extends over the few following Base64 characters that also encode the value's last bytes.
/// </summary>
internal readonly record struct RegisteredForm(string Text, bool IgnoreCase, bool Base64 = false);
