namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Hard resource limits of a sandboxed worker, set (soft = hard) before the runtime starts, so code inside cannot
/// raise them. They hold on top of the GC heap limit: native allocations, threads, open files and file sizes that the
/// managed limits do not see. Every value must be positive; 0 never means unlimited.
/// </summary>
public sealed record WorkerResources
{
    /// <summary>Threads and processes the worker may have at once (RLIMIT_NPROC, counted in its own user namespace). Default 128.</summary>
    public int MaxThreads { get; init; } = 128;

    /// <summary>Open file descriptors (RLIMIT_NOFILE). Default 256.</summary>
    public int MaxOpenFiles { get; init; } = 256;

    /// <summary>
    /// The size of the worker's private /tmp, the only place it can write, so also the largest file it can write there.
    /// Default 16 MB. (RLIMIT_FSIZE is the address-space limit instead: the runtime keeps its executable memory in a
    /// memory file for its write-xor-execute mapping, which the address-space limit already bounds.)
    /// </summary>
    public long MaxFileBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// Address space beyond the GC heap limit (RLIMIT_AS is twice the heap limit plus this): the runtime's own
    /// reservations (about 1.3 GB of address space before any script runs), thread stacks, its code and native
    /// allocations. Default 2 GB.
    /// </summary>
    public long AddressSpaceOverheadBytes { get; init; } = 2048L * 1024 * 1024;

    /// <summary>The address-space limit for a worker with a GC heap limit of <paramref name="heapBytes"/>.</summary>
    public long AddressSpaceBytes(long heapBytes) => (2 * heapBytes) + AddressSpaceOverheadBytes;

    /// <summary>Throws when a limit is out of range.</summary>
    public WorkerResources Validate()
    {
        var problems = new List<string>();
        if (MaxThreads < 32)
        {
            problems.Add("MaxThreads must be at least 32 (the runtime starts about 15 threads of its own)");
        }

        if (MaxOpenFiles < 64)
        {
            problems.Add("MaxOpenFiles must be at least 64");
        }

        if (MaxFileBytes < 1024 * 1024)
        {
            problems.Add("MaxFileBytes must be at least 1 MB");
        }

        if (AddressSpaceOverheadBytes < 1536L * 1024 * 1024)
        {
            problems.Add("AddressSpaceOverheadBytes must be at least 1.5 GB (the runtime reserves about 1.3 GB before it runs anything)");
        }

        return problems.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(MaxThreads), "WorkerResources: " + string.Join("; ", problems));
    }
}
