using System.Collections.Frozen;
using System.Reflection;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>The console's files, embedded in this assembly: nothing is read from disk or fetched from another host.</summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = Load();

    /// <summary>The file named <paramref name="name"/> (e.g. <c>app.js</c>), or null when there is none.</summary>
    public static (byte[] Content, string ContentType)? Find(string name) =>
        Files.TryGetValue(name, out var file) ? file : null;

    /// <summary>Every file's name.</summary>
    public static IEnumerable<string> Names => Files.Keys;

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var type))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name] = (copy.ToArray(), type);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
