using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>The worker's two pipe ends; writes are serialized, so log lines and HTTP calls of one run never interleave.</summary>
#pragma warning disable CA1001 // No wait handle of the semaphore is ever asked for, so it holds nothing that needs freeing.
internal sealed class WorkerPipe(StreamReader reader, Stream output)
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _write = new(1, 1);

    /// <summary>The host's side: requests and HTTP answers.</summary>
    public StreamReader Reader => reader;

    /// <summary>Writes one message as one line, blocking the calling thread (the standard output has no asynchronous I/O).</summary>
    public void Write(WorkerMessage message)
    {
        var bytes = WorkerProtocol.Frame(message);
        _write.Wait();
        try
        {
            output.Write(bytes);
            output.Flush();
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Writes one message as one line.</summary>
    public async Task WriteAsync(WorkerMessage message)
    {
        var bytes = WorkerProtocol.Frame(message);
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            await output.WriteAsync(bytes).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }
}
