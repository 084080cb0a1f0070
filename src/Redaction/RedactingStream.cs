using System.Text;

namespace Secrets.Runtime.Redaction;

/// <summary>
/// A write-only <see cref="Stream"/> for UTF-8 output (a child's stdout, a debug pipe) that masks secrets on the way
/// to an inner stream, including values split across writes and multi-byte characters split across buffers.
/// </summary>
public sealed class RedactingStream : Stream
{
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private readonly RedactingTextWriter _writer;
    private readonly Stream _inner;
    private readonly bool _leaveOpen;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RedactingStream(Stream inner, SecretRedactor redactor, bool leaveOpen = false)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _leaveOpen = leaveOpen;
        _writer = new RedactingTextWriter(new StreamWriter(inner, new UTF8Encoding(false), 64 * 1024, leaveOpen: true), redactor);
    }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Decoded straight into the writer's pending text: UTF-8 never gives more characters than bytes, plus what the decoder held.
        var chars = _writer.Reserve(buffer.Length + 4);
        _writer.Commit(_decoder.GetChars(buffer, chars, flush: false));
    }

    /// <inheritdoc />
    public override void Flush()
    {
        _writer.Flush();
        _inner.Flush();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            var tail = new char[_decoder.GetCharCount([], flush: true)];
            _writer.Write(tail, 0, _decoder.GetChars([], tail, flush: true));
            _writer.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
