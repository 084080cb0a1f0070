using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Secrets.Runtime.Store;

/// <summary>
/// A validated secret name: the input upper-cased (invariant), then matching <c>^[A-Z_][A-Z0-9_]{0,254}$</c>.
/// Names are never renamed or rewritten beyond upper-casing.
/// </summary>
public readonly record struct SecretName
{
    /// <summary>The longest name accepted, in characters.</summary>
    public const int MaxLength = 255;

    private SecretName(string value) => Value = value;

    /// <summary>The upper-case name.</summary>
    public string Value { get; }

    /// <summary>Upper-cases <paramref name="input"/> and validates it, throwing a message that names the offending character and position.</summary>
    /// <exception cref="InvalidSecretNameException">The name is empty, too long or has a character outside <c>A-Z0-9_</c>.</exception>
    public static SecretName Parse(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryParse(input, out var name, out var error) ? name : throw new InvalidSecretNameException(error);
    }

    /// <summary>Upper-cases and validates <paramref name="input"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? input, out SecretName name, [NotNullWhen(false)] out string? error)
    {
        name = default;
        if (string.IsNullOrEmpty(input))
        {
            error = "secret name is empty; use letters A-Z, digits and '_', not starting with a digit";
            return false;
        }

        var upper = input.ToUpperInvariant();
        if (upper.Length > MaxLength)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"secret name is {upper.Length} characters long; the limit is {MaxLength}");
            return false;
        }

        for (var i = 0; i < upper.Length; i++)
        {
            var c = upper[i];
            var ok = c is (>= 'A' and <= 'Z') or '_' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                var shown = char.IsControl(c) || char.IsWhiteSpace(c)
                    ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
                    : string.Create(CultureInfo.InvariantCulture, $"'{c}'");
                var rule = i == 0 && c is >= '0' and <= '9' ? "a name cannot start with a digit" : "use only A-Z, 0-9 and '_'";
                error = string.Create(CultureInfo.InvariantCulture, $"secret name '{Printable(input)}' has invalid character {shown} at position {i + 1}; {rule}");
                return false;
            }
        }

        name = new SecretName(upper);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="input"/> is already a valid upper-case name (no upper-casing applied).</summary>
    public static bool IsCanonical(string? input) =>
        TryParse(input, out var name, out _) && string.Equals(name.Value, input, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;

    private static string Printable(string input)
    {
        var shown = input.Length > 60 ? input[..60] + "..." : input;
        return new string(shown.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
    }
}
