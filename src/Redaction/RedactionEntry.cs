using Secrets.Runtime.Redaction.Forms;

namespace Secrets.Runtime.Redaction;

/// <summary>A registered secret: its value, optional name, and every form registered for it.</summary>
internal sealed record RedactionEntry(string Value, string? Name, IReadOnlyList<RegisteredForm> Forms, int MinimumLength)
{
    /// <summary>The patterns this entry contributes to a tier.</summary>
    public IEnumerable<RedactionPattern> Patterns() =>
        Forms.Select(f => new RedactionPattern(f.Text, Name, f.Text.Length < MinimumLength && f.Text == Value, f.IgnoreCase));

    /// <inheritdoc />
    public override string ToString() => Name ?? "(unnamed value)";
}
