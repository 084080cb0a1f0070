using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>
/// A write-only stream that writes to another on a thread of its own, so <c>redact</c>'s search goes on while stdout's
/// system calls run (writing 200 MB to a file costs the kernel 150-250 ms here, a third of the rest). Each write is
/// copied into one of a few reused buffers and queued in order at once, never gathered, so output reaches the inner
/// stream as soon as it would without this stream; <see cref="Flush"/> waits until it has been written and flushed.
/// An error on the writing thread (a closed pipe, a full disk) is thrown, as it was met, by the next call here.
/// </summary>
internal sealed class WriteBehindStream : Stream
{
    private const int BlockSize = 64 * 1024;
    private const int Blocks = 4;

    private readonly Stream _inner;
    private readonly BlockingCollection<(byte[] Buffer, int Count)> _queue = new(Blocks);
    private readonly BlockingCollection<byte[]> _free = new(Blocks);
    private readonly SemaphoreSlim _flushed = new(0);
    private readonly CancellationTokenSource _failed = new();
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _error;
    private bool _disposed;

    public WriteBehindStream(Stream inner)
    {
        _inner = inner;
        for (var i = 0; i < Blocks; i++)
        {
            _free.Add(new byte[BlockSize]);
        }

        _thread = new Thread(WriteQueued) { IsBackground = true, Name = "stdout writer" };
        _thread.Start();
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            byte[] block;
            try
            {
                block = _free.Take(_failed.Token);
            }
            catch (OperationCanceledException) when (_failed.IsCancellationRequested)
            {
                throw Failure();
            }

            var count = Math.Min(block.Length, buffer.Length);
            buffer[..count].CopyTo(block);
            Enqueue(block, count);
            buffer = buffer[count..];
        }
    }

    /// <summary>Returns once everything written so far is written to the inner stream and that stream is flushed.</summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enqueue([], 0);
        try
        {
            _flushed.Wait(_failed.Token);
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
            throw Failure();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Waits until what was queued is written (the inner stream is not disposed), then throws what the writing met.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _queue.CompleteAdding();
            _thread.Join();
            _error?.Throw();
        }

        base.Dispose(disposing);
    }

    private void WriteQueued()
    {
        try
        {
            foreach (var (buffer, count) in _queue.GetConsumingEnumerable())
            {
                if (count == 0)
                {
                    _inner.Flush();
                    _flushed.Release();
                    continue;
                }

                _inner.Write(buffer, 0, count);
                _free.Add(buffer);
            }
        }
        catch (Exception ex)
        {
            _error = ExceptionDispatchInfo.Capture(ex);
            _failed.Cancel();
        }
    }

    private void Enqueue(byte[] block, int count)
    {
        try
        {
            _queue.Add((block, count), _failed.Token);
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
            throw Failure();
        }
    }

    /// <summary>The writing thread's error, thrown as it was met (it is set before the thread signals it failed).</summary>
    private Exception Failure()
    {
        _error!.Throw();
        return new UnreachableException();
    }
}
