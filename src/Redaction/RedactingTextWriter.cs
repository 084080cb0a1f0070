using System.Text;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// A <see cref="TextWriter"/> that masks secrets on their way to an inner writer, including values split across
/// writes: it holds back at most the longest form minus one character, never emits part of a possible match,
/// never splits a surrogate pair, and writes everything on <see cref="Flush"/> and <see cref="Dispose(bool)"/>.
/// </summary>
public sealed class RedactingTextWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly SecretRedactor _redactor;
    private readonly StringBuilder _pending = new();
    private readonly bool _leaveOpen;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RedactingTextWriter(TextWriter inner, SecretRedactor redactor, bool leaveOpen = false)
        : base(inner?.FormatProvider)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _redactor = redactor ?? throw new ArgumentNullException(nameof(redactor));
        _leaveOpen = leaveOpen;
    }

    /// <inheritdoc />
    public override Encoding Encoding => _inner.Encoding;

    /// <inheritdoc />
    public override void Write(char value)
    {
        _pending.Append(value);
        Drain(final: false);
    }

    /// <inheritdoc />
    public override void Write(string? value)
    {
        _pending.Append(value);
        Drain(final: false);
    }

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count)
    {
        _pending.Append(buffer, index, count);
        Drain(final: false);
    }

    /// <inheritdoc />
    public override void Flush()
    {
        Drain(final: true);
        _inner.Flush();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Drain(bool final)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        var text = _pending.ToString();
        var hits = _redactor.Find(text);
        var cut = final ? text.Length : Math.Max(0, text.Length - Math.Max(0, _redactor.MaxPatternLength - 1));

        // A hit that crosses the cut is held back whole; so is a high surrogate whose pair has not arrived.
        if (!final && hits is not null)
        {
            foreach (var hit in hits)
            {
                if (hit.Start < cut && hit.End > cut)
                {
                    cut = hit.Start;
                }
            }
        }

        if (cut > 0 && cut < text.Length && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        if (cut == 0)
        {
            return;
        }

        var emit = text.AsSpan(0, cut);
        var inside = hits?.Where(h => h.End <= cut).ToList();
        _inner.Write(inside is { Count: > 0 } ? _redactor.Apply(emit, inside) : emit.ToString());
        _pending.Remove(0, cut);
    }
}
