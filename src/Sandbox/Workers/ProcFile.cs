namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Reads the small files of /proc that the idle check (up to three per thread of a worker's process tree, when the
/// worker goes idle and again before it is reused) and the CPU watchdog (each thread's children, every poll) look at,
/// into the caller's buffer: one open and one read each, no stream, reader, string or split per file.
/// </summary>
internal static class ProcFile
{
    /// <summary>
    /// The content of <paramref name="path"/>: in <paramref name="buffer"/> when it fits, else read whole into a new
    /// array (a long list of children is never cut short).
    /// </summary>
    /// <exception cref="IOException">The file is gone (a thread or process that ended) or cannot be read.</exception>
    public static ReadOnlySpan<byte> Read(string path, Span<byte> buffer)
    {
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer[total..], total);
                if (read == 0)
                {
                    return buffer[..total];
                }

                total += read;
            }
        }

        return File.ReadAllBytes(path);
    }
}
