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

    /// <summary>
    /// Whether a large write (<see cref="ParallelMinimum"/> characters pending or more) is searched in two parts at
    /// once, the second on the thread pool. The output is the same either way; off by default, so a writer uses one
    /// thread unless its owner has cores to spare (<c>secrets-runtime redact</c> turns it on).
    /// </summary>
    public bool SearchInParallel { get; set; }

    /// <summary>How many characters must be pending before a drain is split when <see cref="SearchInParallel"/> is on.</summary>
    internal const int ParallelMinimum = 64 * 1024;

    /// <summary>How many drains were searched in two parts, and in how many a hit crossed the guessed cut (tests check both paths run).</summary>
    internal (int Split, int SearchedAgain) Parts { get; private set; }

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
        var done = 0;
        List<RedactionHit>? hits;
        if (SearchInParallel && text.Length >= ParallelMinimum)
        {
            done = DrainFirstPart(text, out hits);
        }
        else
        {
            hits = _redactor.Find(text);
        }

        var rest = text[done..];
        var cut = final ? rest.Length : CutBefore(rest, hits, Math.Max(0, rest.Length - _redactor.HoldBack));
        if (done + cut == 0)
        {
            return;
        }

        Emit(rest[..cut], hits);
        rest[cut..].CopyTo(_pending);
        _length = rest.Length - cut;
    }

    /// <summary>
    /// Where a drain of <paramref name="text"/> (not the last) may cut at or before <paramref name="cut"/>: a hit that
    /// crosses it is held back whole, and so is a Base64 run that may open a wrapped block (the next search must see
    /// the run whole, see Base64LineJoiner.RunStart), and a high surrogate whose pair has not arrived.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CutBefore(ReadOnlySpan<char> text, List<RedactionHit>? hits, int cut)
    {
        for (var moved = true; moved;)
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

        return cut;
    }

    /// <summary>
    /// Drains a large <paramref name="text"/> as two drains in a row would, searching both parts at once: the first
    /// drain searches up to a hold-back past the middle and cuts near it, the second searches from that cut. The second
    /// part's search starts on the thread pool from where the first would cut were no hit to cross it; in the rare
    /// case that one does, it is searched again from the cut the first part chose. Emits the first part and returns
    /// where it ended, with the hits of the rest (in its own positions).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int DrainFirstPart(ReadOnlySpan<char> text, out List<RedactionHit>? rest)
    {
        var holdBack = _redactor.HoldBack;
        var guess = text.Length / 2;
        if (guess + holdBack >= text.Length || (guess = CutBefore(text[..(guess + holdBack)], null, guess)) == 0)
        {
            rest = _redactor.Find(text);
            return 0;
        }

        var (pending, length, redactor) = (_pending, text.Length, _redactor);
        var second = Task.Run(() => redactor.Find(pending.AsSpan(guess, length - guess)));
        List<RedactionHit>? first;
        try
        {
            first = _redactor.Find(text[..(guess + holdBack)]);
        }
        finally
        {
            // The pending text stays as it is until the other search has ended, whatever happens here.
            rest = second.GetAwaiter().GetResult();
        }

        var cut = CutBefore(text[..(guess + holdBack)], first, guess);
        Parts = (Parts.Split + 1, Parts.SearchedAgain + (cut != guess ? 1 : 0));
        if (cut != guess)
        {
            rest = _redactor.Find(text[cut..]);
        }

        Emit(text[..cut], first);
        return cut;
    }

    /// <summary>Writes <paramref name="text"/> with the hits that end inside it masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(ReadOnlySpan<char> text, List<RedactionHit>? hits)
    {
        var cut = text.Length;
        hits?.RemoveAll(h => h.End > cut);
        if (hits is { Count: > 0 })
        {
            _redactor.Apply(text, hits, WriteTo, _inner);
        }
        else
        {
            _inner.Write(text);
        }
    }
}
