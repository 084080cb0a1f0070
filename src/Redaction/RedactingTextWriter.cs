using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// A <see cref="TextWriter"/> that masks secrets on their way to an inner writer, including values split across
/// writes: it holds back at most the furthest an escaped form can spread (<see cref="SecretRedactor.HoldBack"/>),
/// never emits part of a possible match, never splits a surrogate pair, and writes everything on
/// <see cref="Flush"/> and <see cref="Dispose(bool)"/>.
/// </summary>
public sealed class RedactingTextWriter : TextWriter
{
    private static readonly SpanWriter<TextWriter> WriteTo = [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (text, writer) => writer.Write(text);

    private readonly TextWriter _inner;
    private readonly SecretRedactor _redactor;
    private readonly bool _leaveOpen;
    private char[] _pending = ArrayPool<char>.Shared.Rent(4096);
    private int _length;

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
    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    /// <inheritdoc />
    public override void Write(string? value) => Write(value.AsSpan());

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        buffer.CopyTo(Reserve(buffer.Length));
        Commit(buffer.Length);
    }

    /// <summary>Room for at least <paramref name="count"/> more characters at the end of the pending text, for <see cref="Commit"/>; lets a stream decode into it without a copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Span<char> Reserve(int count)
    {
        if (_length + count > _pending.Length)
        {
            var larger = ArrayPool<char>.Shared.Rent(Math.Max(_pending.Length * 2, _length + count));
            _pending.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_pending);
            _pending = larger;
        }

        return _pending.AsSpan(_length);
    }

    /// <summary>Adds <paramref name="count"/> characters written into <see cref="Reserve"/>'s span to the pending text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Commit(int count)
    {
        _length += count;

        // Small writes gather until the buffer is worth a search: each search re-reads the held-back tail.
        if (_length >= Math.Max(4096, 2 * _redactor.HoldBack))
        {
            Drain(final: false);
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override void Flush()
    {
        Drain(final: true);
        _inner.Flush();
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Drain(final: true);
        return _inner.FlushAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _pending.Length > 0)
        {
            Flush();
            ArrayPool<char>.Shared.Return(_pending);
            _pending = [];
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Drain(bool final)
    {
        if (_length == 0)
        {
            return;
        }

        var text = _pending.AsSpan(0, _length);
        var hits = _redactor.Find(text);
        var cut = final ? text.Length : Math.Max(0, text.Length - _redactor.HoldBack);

        // A hit that crosses the cut is held back whole, and so is a Base64 run that may open a wrapped block (the next
        // search must see the run whole, see Base64LineJoiner.RunStart); so is a high surrogate whose pair has not arrived.
        for (var moved = !final; moved;)
        {
            moved = false;
            for (var k = 0; hits is not null && k < hits.Count; k++)
            {
                if (hits[k].Start < cut && hits[k].End > cut)
                {
                    cut = hits[k].Start;
                    moved = true;
                }
            }

            var run = Views.Base64LineJoiner.RunStart(text, cut);
            if (run != cut)
            {
                cut = run;
                moved = true;
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

        hits?.RemoveAll(h => h.End > cut);
        if (hits is { Count: > 0 })
        {
            _redactor.Apply(text[..cut], hits, WriteTo, _inner);
        }
        else
        {
            _inner.Write(text[..cut]);
        }

        text[cut..].CopyTo(_pending);
        _length -= cut;
    }
}
