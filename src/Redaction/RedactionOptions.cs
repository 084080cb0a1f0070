namespace Secrets.Runtime.Redaction;

/// <summary>How a <see cref="SecretRedactor"/> masks values. Defaults are the safe choice.</summary>
public sealed record RedactionOptions
{
    /// <summary>The text that replaces a secret. Default <c>***</c>, which never reveals the length.</summary>
    public string Mask { get; init; } = "***";

    /// <summary>When true a hit is replaced by <c>[secret:NAME]</c> for secrets added with a name. Default false.</summary>
    public bool ShowSecretName { get; init; }
}
