namespace Secrets.Runtime.Redaction;

/// <summary>A value to mask and, optionally, the name of the secret it belongs to.</summary>
/// <param name="Value">The value; empty and whitespace-only values are ignored.</param>
/// <param name="Name">The secret's name, shown by <see cref="RedactionOptions.ShowSecretName"/>.</param>
public readonly record struct RedactionValue(string Value, string? Name = null)
{
    /// <summary>The name only: a value must never reach a log through <c>ToString</c>.</summary>
    public override string ToString() => Name ?? "(unnamed value)";
}
