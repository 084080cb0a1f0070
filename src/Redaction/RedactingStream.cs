using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    // Whether the decoder may hold part of a character: after a byte below 0x80 it holds nothing (that byte ends any
    // sequence, valid or not, and the decoder has emitted it).
    private bool _decoderHolds;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RedactingStream(Stream inner, SecretRedactor redactor, bool leaveOpen = false)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _leaveOpen = leaveOpen;
        _writer = new RedactingTextWriter(new Utf8Output(inner), redactor);
    }

    /// <summary>Whether large writes are searched in two parts at once (<see cref="RedactingTextWriter.SearchInParallel"/>).</summary>
    public bool SearchInParallel
    {
        get => _writer.SearchInParallel;
        set => _writer.SearchInParallel = value;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Decoded straight into the writer's pending text: UTF-8 never gives more characters than bytes, plus what the decoder held.
        var chars = _writer.Reserve(buffer.Length + 4);
        var (read, written) = (0, 0);
        while (read < buffer.Length)
        {
            if (!_decoderHolds)
            {
                // Runs of ASCII are widened here, in code compiled fully optimised at its first call; the framework's
                // transcoder would run its precompiled, slower code for a stream's first hundreds of milliseconds.
                var ascii = WidenAscii(buffer[read..], chars[written..]);
                (read, written) = (read + ascii, written + ascii);
                if (read == buffer.Length)
                {
                    break;
                }
            }

            // The rest of a character, and what follows up to and including the next byte below 0x80, goes to the
            // decoder: that byte ends every sequence, so the decoder holds nothing after it and gives exactly what it
            // would for the whole buffer.
            var end = read;
            while (end < buffer.Length && buffer[end] >= 0x80)
            {
                end++;
            }

            _decoderHolds = end == buffer.Length;
            end = Math.Min(end + 1, buffer.Length);
            written += _decoder.GetChars(buffer[read..end], chars[written..], flush: false);
            read = end;
        }

        _writer.Commit(written);
    }

    /// <summary>
    /// Copies the leading bytes below 0x80 of <paramref name="bytes"/> into <paramref name="chars"/> (at least as long) as
    /// characters; returns how many. <see cref="System.Text.Ascii.ToUtf16"/> does the same, but runs its precompiled code
    /// for a fresh process's first hundreds of milliseconds: in its place the bench's first pass ran 292, 312 and 319 MB/s
    /// against 331, 326 and 333 with this loop, alternated (warm 376-381 either way; load 1.7-2.5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int WidenAscii(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        if (chars.Length < bytes.Length)
        {
            throw new ArgumentException("The characters must have room for every byte.", nameof(chars));
        }

        ref var source = ref MemoryMarshal.GetReference(bytes);
        ref var target = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars));
        var length = bytes.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 32; i += 32)
            {
                var v = Vector256.LoadUnsafe(ref source, (nuint)i);
                if (v.ExtractMostSignificantBits() != 0)
                {
                    break;
                }

                var (lower, upper) = Vector256.Widen(v);
                lower.StoreUnsafe(ref target, (nuint)i);
                upper.StoreUnsafe(ref target, (nuint)(i + 16));
            }
        }
        else
        {
            for (; i <= length - 16; i += 16)
            {
                var v = Vector128.LoadUnsafe(ref source, (nuint)i);
                if (v.ExtractMostSignificantBits() != 0)
                {
                    break;
                }

                var (lower, upper) = Vector128.Widen(v);
                lower.StoreUnsafe(ref target, (nuint)i);
                upper.StoreUnsafe(ref target, (nuint)(i + 8));
            }
        }

        for (; i < length; i++)
        {
            var b = Unsafe.Add(ref source, i);
            if (b >= 0x80)
            {
                break;
            }

            Unsafe.Add(ref target, i) = b;
        }

        return i;
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
    /// <summary>
    /// Encodes the masked text as UTF-8 straight into a pooled byte buffer and writes that to the inner stream when it
    /// fills, on <see cref="Flush"/> and on dispose: the bytes a <see cref="StreamWriter"/> over a UTF-8 encoding without
    /// a preamble would write, without its copy of every character into a char buffer first. The encoder keeps a high
    /// surrogate whose pair has not arrived and, as the stream writer's flush does, turns a lone one into U+FFFD on
    /// <see cref="Flush"/>; the inner stream is never disposed here.
    /// </summary>
    internal sealed class Utf8Output(Stream inner) : TextWriter
    {
        private const int BufferSize = 64 * 1024;

        // The most one call of the encoder needs for one character (a surrogate pair, or a held high surrogate and
        // the character after it): with this much room left it always makes progress.
        private const int Room = 8;

        private static readonly UTF8Encoding Utf8 = new(false);

        private readonly Encoder _encoder = Utf8.GetEncoder();
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _count;

        public override Encoding Encoding => Utf8;

        public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Write(ReadOnlySpan<char> buffer)
        {
            ObjectDisposedException.ThrowIf(_bytes.Length == 0, this);
            while (!buffer.IsEmpty)
            {
                if (_bytes.Length - _count < Room)
                {
                    WriteBytes();
                }

                _encoder.Convert(buffer, _bytes.AsSpan(_count), flush: false, out var used, out var written, out _);
                _count += written;
                buffer = buffer[used..];
            }
        }

        public override void Flush()
        {
            ObjectDisposedException.ThrowIf(_bytes.Length == 0, this);
            if (_bytes.Length - _count < Room)
            {
                WriteBytes();
            }

            _encoder.Convert([], _bytes.AsSpan(_count), flush: true, out _, out var written, out _);
            _count += written;
            WriteBytes();
            inner.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _bytes.Length > 0)
            {
                Flush();
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = [];
            }

            base.Dispose(disposing);
        }

        private void WriteBytes()
        {
            if (_count > 0)
            {
                inner.Write(_bytes, 0, _count);
                _count = 0;
            }
        }
    }
}
