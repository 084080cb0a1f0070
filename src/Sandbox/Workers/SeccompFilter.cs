using System.Runtime.InteropServices;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The seccomp filter every sandboxed worker runs under, compiled to a BPF program with libseccomp (the library
/// systemd and bubblewrap's own tests use; Debian's <c>libseccomp2</c>) and handed to bubblewrap with
/// <c>--seccomp FD</c>. It assumes the script already runs native code inside its worker: what it refuses is what
/// such code would use to leave the namespaces or reach another process (debugging and memory access of other
/// processes, kernel keyrings, BPF, perf, userfaultfd, io_uring, mounts and namespaces, module and kexec loading),
/// any socket that is not a Unix socket, and any new process (the runtime only ever starts threads).
/// </summary>
internal static class SeccompFilter
{
    /// <summary>System calls refused with EPERM whatever their arguments.</summary>
    public static IReadOnlyList<string> Refused { get; } =
    [
        "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
        "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
        "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        "personality", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "fork", "vfork",
        "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "lookup_dcookie",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "fanotify_init",
    ];

    /// <summary>Namespace flags a <c>clone</c> may not carry.</summary>
    private static readonly ulong[] NamespaceFlags =
    [
        0x00020000, // CLONE_NEWNS
        0x02000000, // CLONE_NEWCGROUP
        0x04000000, // CLONE_NEWUTS
        0x08000000, // CLONE_NEWIPC
        0x10000000, // CLONE_NEWUSER
        0x20000000, // CLONE_NEWPID
        0x40000000, // CLONE_NEWNET
        0x00000080, // CLONE_NEWTIME
    ];

    private const ulong CloneThread = 0x00010000;
    private const ulong AfUnix = 1;
    private const uint ActionAllow = 0x7fff0000;
    private const int Eperm = 1;
    private const int Enosys = 38;
    private const int Eafnosupport = 97;

    private static readonly Lazy<byte[]?> Program = new(Compile);

    /// <summary>The compiled BPF program, or null when libseccomp is not installed (bubblewrap mode then refuses to start workers).</summary>
    public static byte[]? Bpf => Program.Value;

    /// <summary>Why the filter could not be built, when <see cref="Bpf"/> is null.</summary>
    public static string? Problem { get; private set; }

    private static byte[]? Compile()
    {
        IntPtr context;
        try
        {
            context = Native.seccomp_init(ActionAllow);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Problem = "libseccomp is not installed (apt-get install libseccomp2)";
            return null;
        }

        if (context == IntPtr.Zero)
        {
            Problem = "libseccomp could not create a filter";
            return null;
        }

        try
        {
            foreach (var name in Refused)
            {
                Add(context, Errno(Eperm), name);
            }

            // clone3 passes its flags in memory, where a filter cannot look: ENOSYS makes the C library fall back to
            // clone, whose flags it can.
            Add(context, Errno(Enosys), "clone3");
            foreach (var flag in NamespaceFlags)
            {
                Add(context, Errno(Eperm), "clone", new ArgumentCheck(0, CompareMaskedEqual, flag, flag));
            }

            // Threads only: a clone without CLONE_THREAD is a new process.
            Add(context, Errno(Eperm), "clone", new ArgumentCheck(0, CompareMaskedEqual, CloneThread, 0));
            Add(context, Errno(Eafnosupport), "socket", new ArgumentCheck(0, CompareNotEqual, AfUnix, 0));
            Add(context, Errno(Eafnosupport), "socketpair", new ArgumentCheck(0, CompareNotEqual, AfUnix, 0));
            return Export(context);
        }
        finally
        {
            Native.seccomp_release(context);
        }
    }

    private static byte[]? Export(IntPtr context)
    {
        // libseccomp writes the program to a file descriptor: a pipe, read back in full. Close-on-exec, so a process
        // started meanwhile cannot hold the write end open and leave the read below waiting.
        var fds = new int[2];
        if (LibC.pipe2(fds, LibC.CloseOnExec) != 0)
        {
            Problem = "could not create a pipe for the seccomp program";
            return null;
        }

        using var read = new Microsoft.Win32.SafeHandles.SafeFileHandle(fds[0], ownsHandle: true);
        using (var write = new Microsoft.Win32.SafeHandles.SafeFileHandle(fds[1], ownsHandle: true))
        {
            // A filter of a few hundred instructions fits the pipe's 64 KB buffer, so the export never blocks.
            if (Native.seccomp_export_bpf(context, fds[1]) != 0)
            {
                Problem = "libseccomp could not export the filter";
                return null;
            }
        }

        using var stream = new FileStream(read, FileAccess.Read);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static void Add(IntPtr context, uint action, string name, params ArgumentCheck[] checks)
    {
        var number = Native.seccomp_syscall_resolve_name(name);
        if (number < 0)
        {
            // A call this kernel's architecture does not have cannot be made; nothing to refuse.
            return;
        }

        var result = Native.seccomp_rule_add_array(context, action, number, (uint)checks.Length, checks);
        if (result != 0)
        {
            throw new InvalidOperationException($"libseccomp refused the rule for {name} ({result})");
        }
    }

    private static uint Errno(int code) => 0x00050000u | (uint)(code & 0xffff);

    private const int CompareNotEqual = 1;
    private const int CompareMaskedEqual = 7;

    /// <summary>libseccomp's <c>struct scmp_arg_cmp</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ArgumentCheck(uint Argument, int Operation, ulong DatumA, ulong DatumB);

    private static class Native
    {
        private const string Library = "libseccomp.so.2";

        [DllImport(Library)]
        internal static extern IntPtr seccomp_init(uint defaultAction);

        [DllImport(Library)]
        internal static extern int seccomp_syscall_resolve_name([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

        [DllImport(Library)]
        internal static extern int seccomp_rule_add_array(IntPtr context, uint action, int syscall, uint count, [In] ArgumentCheck[] checks);

        [DllImport(Library)]
        internal static extern int seccomp_export_bpf(IntPtr context, int fd);

        [DllImport(Library)]
        internal static extern void seccomp_release(IntPtr context);
    }
}
