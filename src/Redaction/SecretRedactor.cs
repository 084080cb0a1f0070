namespace Secrets.Runtime.Redaction;

/// <summary>
/// Masks every registered secret value in text. Thread-safe: readers never take a lock; adding or removing a
/// value publishes a new snapshot.
/// </summary>
/// <remarks>Interim implementation (exact values only); the redaction issue replaces the matcher behind this API.</remarks>
public sealed class SecretRedactor
{
    private volatile (string Value, string? Name)[] _values = [];
    private readonly Lock _writeLock = new();

    /// <summary>Creates an empty redactor.</summary>
    public SecretRedactor(RedactionOptions? options = null) => Options = options ?? new RedactionOptions();

    /// <summary>The options this redactor was built with.</summary>
    public RedactionOptions Options { get; }

    /// <summary>How many values are registered.</summary>
    public int Count => _values.Length;

    /// <summary>Registers a secret value (and, optionally, the name shown by <see cref="RedactionOptions.ShowSecretName"/>).</summary>
    public void Add(string value, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        lock (_writeLock)
        {
            _values = [.. _values.Where(v => v.Value != value), (value, name)];
        }
    }

    /// <summary>Stops masking a value.</summary>
    public void Remove(string value)
    {
        lock (_writeLock)
        {
            _values = [.. _values.Where(v => v.Value != value)];
        }
    }

    /// <summary>Whether <paramref name="text"/> holds any registered value.</summary>
    public bool ContainsSecret(string? text) =>
        !string.IsNullOrEmpty(text) && _values.Any(v => text.Contains(v.Value, StringComparison.Ordinal));

    /// <summary>Returns <paramref name="text"/> with every registered value masked; the same instance when nothing matched.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = _values;
        var ranges = new List<(int Start, int End, string? Name)>();
        foreach (var (value, name) in values)
        {
            for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
            {
                ranges.Add((i, i + value.Length, name));
            }
        }

        if (ranges.Count == 0)
        {
            return text;
        }

        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var sb = new System.Text.StringBuilder(text.Length);
        var pos = 0;
        var k = 0;
        while (k < ranges.Count)
        {
            var (start, end, name) = ranges[k++];
            while (k < ranges.Count && ranges[k].Start <= end)
            {
                end = Math.Max(end, ranges[k++].End);
            }

            sb.Append(text, pos, start - pos);
            sb.Append(Options.ShowSecretName && name is not null ? $"[secret:{name}]" : Options.Mask);
            pos = end;
        }

        sb.Append(text, pos, text.Length - pos);
        return sb.ToString();
    }
}
