using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>The worker's two pipe ends; writes are serialized, so log lines and HTTP calls of one run never interleave.</summary>
internal sealed class WorkerPipe(StreamReader reader, Stream output)
{
    private readonly Lock _write = new();

    /// <summary>The host's side: requests and HTTP answers.</summary>
    public StreamReader Reader => reader;

    /// <summary>Writes one message as one line, blocking the calling thread (the standard output has no asynchronous I/O).</summary>
    public void Write(WorkerMessage message)
    {
        var bytes = WorkerProtocol.Frame(message);
        lock (_write)
        {
            output.Write(bytes);
            output.Flush();
        }
    }
}
