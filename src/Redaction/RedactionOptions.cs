using System.Globalization;

namespace Secrets.Runtime.Redaction;

/// <summary>How a <see cref="SecretRedactor"/> masks values. Defaults are the safe choice.</summary>
public sealed record RedactionOptions
{
    /// <summary>The text that replaces a secret. Default <c>***</c>, which never reveals the length.</summary>
    public string Mask { get; init; } = "***";

    /// <summary>When true a hit is replaced by <c>[secret:NAME]</c> for secrets added with a name. Default false.</summary>
    public bool ShowSecretName { get; init; }

    /// <summary>
    /// Values shorter than this are masked only where they stand as a whole token (not inside a word), so a
    /// one-letter secret never masks every "a" of a log. Default 4.
    /// </summary>
    public int MinimumValueLength { get; init; } = 4;

    /// <summary>
    /// Derived forms (lines of a multi-line value, encodings, Base64 slices) shorter than this are not registered:
    /// a <c>{</c> line of a JSON secret must not mask unrelated text. Default 8.
    /// </summary>
    public int MinimumDerivedLength { get; init; } = 8;

    /// <summary>Checks the options; a mask may not be empty and thresholds must be positive.</summary>
    public RedactionOptions Validate()
    {
        if (string.IsNullOrEmpty(Mask))
        {
            throw new ArgumentException("RedactionOptions.Mask must not be empty", nameof(Mask));
        }

        if (MinimumValueLength < 1 || MinimumDerivedLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumDerivedLength), string.Create(CultureInfo.InvariantCulture, $"thresholds must be at least 1 (got {MinimumValueLength} and {MinimumDerivedLength})"));
        }

        return this;
    }
}
