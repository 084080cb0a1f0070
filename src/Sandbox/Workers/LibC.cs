using System.Runtime.InteropServices;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>The few C library calls the host makes to start sandboxed workers (never called inside a worker).</summary>
internal static class LibC
{
    /// <summary>A pipe with flags (<see cref="CloseOnExec"/>: neither end survives an exec).</summary>
    [DllImport("libc", SetLastError = true)]
    internal static extern int pipe2([Out] int[] fds, int flags);

    /// <summary>fcntl with an int argument (F_SETFD, to clear close-on-exec on the one end a child must inherit).</summary>
    [DllImport("libc", SetLastError = true)]
    internal static extern int fcntl(int fd, int command, int argument);

    /// <summary>O_CLOEXEC on Linux.</summary>
    internal const int CloseOnExec = 0x80000;

    /// <summary>F_SETFD.</summary>
    internal const int SetDescriptorFlags = 2;

    [DllImport("libc")]
    internal static extern int close(int fd);

    [DllImport("libc")]
    internal static extern uint geteuid();
}
