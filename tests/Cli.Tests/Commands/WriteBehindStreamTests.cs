using Secrets.Runtime.Cli.Commands;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>redact</c>'s stdout writer on a thread of its own: order, flush and errors as a plain stream gives them.</summary>
public sealed class WriteBehindStreamTests
{
    [Fact]
    public void Writes_of_any_size_reach_the_inner_stream_in_order_and_a_flush_returns_once_they_have()
    {
        var inner = new RecordingStream();
        var written = new MemoryStream();
        var random = new Random(14);
        using (var stream = new WriteBehindStream(inner))
        {
            for (var i = 0; i < 300; i++)
            {
                var block = new byte[random.Next(4) == 0 ? random.Next(1, 100) : random.Next(1, 300_000)];
                random.NextBytes(block);
                stream.Write(block);
                written.Write(block);
                if (i % 50 == 49)
                {
                    stream.Flush();
                    Assert.Equal(written.ToArray(), inner.Bytes());
                    Assert.Equal(i / 50 + 1, inner.Flushes);
                }
            }
        }

        Assert.Equal(written.ToArray(), inner.Bytes());
        Assert.False(inner.Disposed);
    }

    [Fact]
    public void An_error_writing_is_thrown_by_a_later_call_as_it_was_met_and_nothing_after_it_is_written()
    {
        var inner = new RecordingStream { FailAtWrite = 3 };
        var stream = new WriteBehindStream(inner);
        var error = Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                stream.Write(new byte[64 * 1024]);
            }

            stream.Flush();
        });

        Assert.Equal("No space left on device", error.Message);
        Assert.Equal(2 * 64 * 1024, inner.Bytes().Length);
        Assert.Throws<IOException>(stream.Flush);
        Assert.Throws<IOException>(stream.Dispose);
    }

    [Fact]
    public void A_failing_flush_is_thrown_by_flush_and_again_by_dispose()
    {
        var inner = new RecordingStream { FailFlush = true };
        var stream = new WriteBehindStream(inner);
        stream.Write("line\n"u8);

        Assert.Equal("No space left on device", Assert.Throws<IOException>(stream.Flush).Message);
        Assert.Throws<IOException>(stream.Dispose);
        Assert.Equal("line\n"u8.ToArray(), inner.Bytes());
    }

    private sealed class RecordingStream : MemoryStream
    {
        private int _writes;

        public int FailAtWrite { get; init; } = int.MaxValue;

        public bool FailFlush { get; init; }

        public int Flushes { get; private set; }

        public bool Disposed { get; private set; }

        public byte[] Bytes()
        {
            lock (this)
            {
                return ToArray();
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (++_writes == FailAtWrite)
            {
                throw new IOException("No space left on device");
            }

            lock (this)
            {
                base.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
            if (FailFlush)
            {
                throw new IOException("No space left on device");
            }

            Flushes++;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
