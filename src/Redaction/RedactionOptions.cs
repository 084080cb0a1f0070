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

    /// <summary>
    /// Values (and their text forms) at least this long are also masked with their letters in another case, as
    /// <see cref="Uri"/> lower-cases hosts and tools upper-case hex keys; shorter ones must match exactly. Hex forms
    /// always ignore case and Base64 forms never do. Default 12.
    /// </summary>
    public int CaseInsensitiveMinimumLength { get; init; } = 12;

    /// <summary>
    /// How many decodings may be stacked on one piece of text (a JSON document escaped inside a JSON string is two).
    /// Default 3; at least 1.
    /// </summary>
    public int MaximumDecodingDepth { get; init; } = 3;

    /// <summary>
    /// How long a value stays registered after the last run that held it released it, for sinks that flush late.
    /// Values added without a lease (<see cref="SecretRedactor.Add"/>) stay until removed. Default 30 seconds; zero
    /// releases at once; negative is refused.
    /// </summary>
    public TimeSpan ReleaseGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the options, listing every problem: a mask may not be empty, thresholds must be positive and the grace period not negative.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names every one.</exception>
    public RedactionOptions Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(Mask))
        {
            problems.Add("Mask must not be empty");
        }

        foreach (var (name, value) in new[] { (nameof(MinimumValueLength), MinimumValueLength), (nameof(MinimumDerivedLength), MinimumDerivedLength), (nameof(CaseInsensitiveMinimumLength), CaseInsensitiveMinimumLength), (nameof(MaximumDecodingDepth), MaximumDecodingDepth) })
        {
            if (value < 1)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be at least 1 (got {value})"));
            }
        }

        if (ReleaseGracePeriod < TimeSpan.Zero)
        {
            problems.Add("ReleaseGracePeriod must not be negative");
        }

        return problems.Count == 0 ? this : throw new ArgumentException("RedactionOptions: " + string.Join("; ", problems));
    }
}
