using Secrets.Runtime.Redaction.Forms;

namespace Secrets.Runtime.Redaction;

/// <summary>A registered secret: its value, optional name, and every form registered for it.</summary>
internal sealed class RedactionEntry(string value, string? name, IReadOnlyList<RegisteredForm> forms, int minimumLength)
{
    private volatile bool _released;

    public string Value { get; } = value;

    public string? Name { get; } = name;

    public IReadOnlyList<RegisteredForm> Forms { get; } = forms;

    /// <summary>Set once the value is released or removed: tiers that still index it skip its patterns until the next merge drops them.</summary>
    public bool Released
    {
        get => _released;
        set => _released = value;
    }

    private RedactionPattern[]? _patterns;

    /// <summary>The patterns this entry contributes to a tier, built once: every merge that indexes the entry again reuses them rather than allocating its forms anew.</summary>
    public IReadOnlyList<RedactionPattern> Patterns() =>
        _patterns ??= Forms.Select(f => new RedactionPattern(f.Text, this, f.Text.Length < minimumLength && f.Text == Value, f.IgnoreCase, f.Base64)).ToArray();

    /// <inheritdoc />
    public override string ToString() => Name ?? "(unnamed value)";
}
