namespace Secrets.Runtime.Tests.Support;

/// <summary>Processes as /proc shows them (Linux): a process's children and its whole tree, skipping any that end while they are read.</summary>
public static class ProcessTree
{
    /// <summary>The children of <paramref name="pid"/>, from every thread's <c>children</c> file.</summary>
    public static List<int> Children(int pid)
    {
        var found = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                found.AddRange(File.ReadAllText(System.IO.Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(child => int.Parse(child, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A process or thread that ended while we looked.
        }

        return found;
    }

    /// <summary><paramref name="pid"/> and all its descendants, parents first.</summary>
    public static List<int> Of(int pid) => [pid, .. Children(pid).SelectMany(Of)];
}
