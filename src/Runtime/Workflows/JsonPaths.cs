using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows;

/// <summary>JSON path text for error messages and reports, and a walk over every string in a JSON tree.</summary>
internal static class JsonPaths
{
    public static string Property(string parent, string key) =>
        key.Length > 0 && (char.IsLetter(key[0]) || key[0] is '_' or '$') && key.All(c => char.IsLetterOrDigit(c) || c is '_' or '$')
            ? $"{parent}.{key}"
            : $"{parent}['{key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    /// <summary>Every string value (and, when <paramref name="includeKeys"/>, every property name) under <paramref name="node"/>, with its path.</summary>
    public static IEnumerable<(string Path, string Value)> Strings(JsonNode? node, string path, bool includeKeys = false)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var s):
                yield return (path, s);
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var childPath = Property(path, key);
                    if (includeKeys)
                    {
                        yield return (childPath, key);
                    }

                    foreach (var item in Strings(child, childPath, includeKeys))
                    {
                        yield return item;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var item in Strings(array[i], Item(path, i), includeKeys))
                    {
                        yield return item;
                    }
                }

                break;
        }
    }
}
