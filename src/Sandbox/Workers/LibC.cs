using System.Runtime.InteropServices;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>The few C library calls the host makes to start sandboxed workers (never called inside a worker).</summary>
internal static class LibC
{
    /// <summary>A pipe whose ends have no close-on-exec flag (a child inherits them).</summary>
    [DllImport("libc", SetLastError = true)]
    internal static extern int pipe([Out] int[] fds);

    [DllImport("libc")]
    internal static extern int close(int fd);

    [DllImport("libc")]
    internal static extern uint geteuid();
}
