using System.Runtime.InteropServices;
using System.Text;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>
/// Reads the files a workflow names, and the workflow files themselves, without letting a path decide what is read:
/// a script file is a relative path that stays inside the workflow file's folder (no absolute path, no <c>..</c> or
/// symbolic link that leaves it), and every file read is a regular file read with a size cap. The file type comes
/// from <c>lstat</c>-style information taken before anything is opened, so a device (<c>/dev/zero</c>) or a FIFO is
/// refused without being opened; the read itself stops one byte past the cap whatever the file turns out to be.
/// </summary>
/// <remarks>
/// Problems say what is wrong with the path as written and how to fix it; they never quote a byte of any file. The
/// walk and the open are two steps: someone who can rename entries inside the folder while a workflow loads could
/// swap a checked entry, but the read is still capped, and such a person can edit the script anyway.
/// </remarks>
internal static class ConfinedFileReader
{
    /// <summary>The largest script file a code node may name, in bytes.</summary>
    public const int MaxScriptBytes = 256 * 1024;

    /// <summary>How many symbolic links one path may go through, as the kernel's own limit.</summary>
    private const int MaxLinks = 40;

    private enum Kind
    {
        Missing,
        Regular,
        Directory,
        Link,
        Other,
        Unreadable,
    }

    /// <summary>
    /// Reads <paramref name="relative"/> (a path as a workflow writes it) from inside <paramref name="folder"/>, a
    /// regular file of at most <paramref name="maxBytes"/> bytes.
    /// </summary>
    /// <returns>The text and the file's real path, or a problem that says what is wrong and how to fix it.</returns>
    public static (string? Text, string? FullPath, string? Problem) ReadInside(string folder, string relative, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(relative);
        const string Fix = "name a file by its path relative to the workflow file's folder, inside that folder";
        if (relative.Length == 0 || relative.Contains('\0', StringComparison.Ordinal))
        {
            return (null, null, $"not a file path; {Fix}");
        }

        if (Path.IsPathRooted(relative))
        {
            return (null, null, $"'{relative}' is an absolute path; {Fix}");
        }

        var (root, rootProblem) = Walk([], 0, Components(Path.GetFullPath(folder)), confined: false);
        if (rootProblem is not null || Probe(Join(root), follow: false).Kind != Kind.Directory)
        {
            return (null, null, $"the workflow file's folder {folder} cannot be read");
        }

        var (resolved, problem) = Walk(root, root.Count, Components(relative), confined: true);
        if (problem is not null)
        {
            return (null, null, problem switch
            {
                WalkProblem.Escapes => $"'{relative}' leads outside the workflow file's folder; {Fix}",
                WalkProblem.LinkEscapes => $"'{relative}' goes through a symbolic link that leads outside the workflow file's folder; {Fix}",
                WalkProblem.TooManyLinks => $"'{relative}' goes through more than {MaxLinks} symbolic links",
                WalkProblem.Unreadable => $"'{relative}' cannot be read (permission denied)",
                _ => $"'{relative}' not found in the workflow file's folder ({Join(root)})",
            });
        }

        var path = Join(resolved);
        var (read, readProblem) = ReadRegular(path, maxBytes, follow: false);
        return readProblem is null ? (read, path, null) : (null, null, $"'{relative}' {readProblem}");
    }

    /// <summary>
    /// Reads a file named by its user (a workflow file on the command line, or one found in a folder): links are
    /// followed, but it must be a regular file of at most <paramref name="maxBytes"/> bytes.
    /// </summary>
    /// <returns>The text, or a problem (such as "is not a regular file") to put after the file's name.</returns>
    public static (string? Text, string? Problem) ReadFile(string path, int maxBytes) => ReadRegular(path, maxBytes, follow: true);

    private enum WalkProblem
    {
        None,
        Missing,
        Escapes,
        LinkEscapes,
        TooManyLinks,
        Unreadable,
    }

    /// <summary>
    /// Resolves <paramref name="parts"/> from <paramref name="start"/> one component at a time, following symbolic
    /// links as the kernel would. When <paramref name="confined"/>, no step may go above the first
    /// <paramref name="floor"/> components, including a step through a link's target.
    /// </summary>
    private static (List<string> Resolved, WalkProblem? Problem) Walk(List<string> start, int floor, IEnumerable<string> parts, bool confined)
    {
        var stack = new List<string>(start);
        var pending = new Stack<string>(parts.Reverse());
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (stack.Count <= floor)
                {
                    if (confined)
                    {
                        return (stack, WalkProblem.Escapes);
                    }

                    continue;
                }

                stack.RemoveAt(stack.Count - 1);
                continue;
            }

            stack.Add(part);
            var current = Join(stack);
            var (kind, _) = Probe(current, follow: false);
            switch (kind)
            {
                case Kind.Link:
                    stack.RemoveAt(stack.Count - 1);
                    if (++links > MaxLinks)
                    {
                        return (stack, WalkProblem.TooManyLinks);
                    }

                    var target = new FileInfo(current).LinkTarget;
                    if (string.IsNullOrEmpty(target))
                    {
                        return (stack, WalkProblem.Missing);
                    }

                    if (Path.IsPathRooted(target))
                    {
                        // An absolute target is followed only when it names a place inside the floor as written.
                        var floorPath = Join(stack.Take(floor));
                        var prefix = floorPath == "/" ? "/" : floorPath + "/";
                        if (confined && !target.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            return (stack, WalkProblem.LinkEscapes);
                        }

                        stack = confined ? stack.Take(floor).ToList() : [];
                        target = confined ? target[prefix.Length..] : target;
                    }

                    foreach (var next in Components(target).Reverse())
                    {
                        pending.Push(next);
                    }

                    break;
                case Kind.Directory:
                    break;
                case Kind.Regular or Kind.Other when pending.Count == 0:
                    break;
                case Kind.Unreadable:
                    return (stack, WalkProblem.Unreadable);
                default:
                    return (stack, WalkProblem.Missing);
            }
        }

        return (stack, null);
    }

    /// <summary>Reads a regular file of at most <paramref name="maxBytes"/> bytes, checking its type before opening it.</summary>
    private static (string? Text, string? Problem) ReadRegular(string path, int maxBytes, bool follow)
    {
        var (kind, size) = Probe(path, follow);
        switch (kind)
        {
            case Kind.Missing:
                return (null, "not found");
            case Kind.Directory:
                return (null, "is a directory, not a file");
            case Kind.Link:
                return (null, "is a symbolic link");
            case Kind.Other:
                return (null, "is not a regular file (a device, FIFO or socket); name a file");
            case Kind.Unreadable:
                return (null, "cannot be read (permission denied)");
        }

        if (size > maxBytes)
        {
            return (null, $"is larger than {maxBytes / 1024} KB; keep it under that size");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var buffer = new byte[maxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            if (length > maxBytes)
            {
                return (null, $"is larger than {maxBytes / 1024} KB; keep it under that size");
            }

            var bom = length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            return (Encoding.UTF8.GetString(buffer, bom, length - bom), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The exception's message names the path only, but a category is all a user needs.
            return (null, ex is UnauthorizedAccessException ? "cannot be read (permission denied)" : "cannot be read");
        }
    }

    private static IEnumerable<string> Components(string path) => path.Split('/');

    private static string Join(IEnumerable<string> components) => "/" + string.Join('/', components);

    /// <summary>The type and size of <paramref name="path"/>, from <c>statx</c> (without following a final link unless <paramref name="follow"/>).</summary>
    private static (Kind Kind, long Size) Probe(string path, bool follow)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (NativeMethods.Statx(NativeMethods.AtFdCwd, path, follow ? 0 : NativeMethods.AtSymlinkNoFollow, NativeMethods.StatxTypeAndSize, out var status) == 0)
                {
                    var kind = (status.Mode & 0xF000) switch
                    {
                        0x8000 => Kind.Regular,
                        0x4000 => Kind.Directory,
                        0xA000 => Kind.Link,
                        _ => Kind.Other,
                    };
                    return (kind, (long)status.Size);
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (NativeMethods.ENOSYS or NativeMethods.EPERM))
                {
                    return (errno == NativeMethods.EACCES ? Kind.Unreadable : Kind.Missing, 0);
                }
            }
            catch (EntryPointNotFoundException)
            {
            }
        }

        // Elsewhere (or where statx is unavailable) only what .NET reports: links and folders are still told apart,
        // and the capped read still bounds what a device could feed.
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!follow && info.LinkTarget is not null)
        {
            return (Kind.Link, 0);
        }

        if (!info.Exists)
        {
            return (Kind.Missing, 0);
        }

        return info is DirectoryInfo ? (Kind.Directory, 0) : (Kind.Regular, ((FileInfo)info).Length);
    }

    private static class NativeMethods
    {
        public const int AtFdCwd = -100;
        public const int AtSymlinkNoFollow = 0x100;
        public const uint StatxTypeAndSize = 0x1 | 0x200;
        public const int EPERM = 1;
        public const int EACCES = 13;
        public const int ENOSYS = 38;

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);
    }

    /// <summary>The fields of <c>struct statx</c> read here, at their fixed offsets (the layout is the same on every architecture).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(40)]
        public ulong Size;
    }
}
