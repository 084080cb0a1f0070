using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>JSON path text for error messages and reports, and a walk over every string in a JSON tree.</summary>
internal static class JsonPaths
{
    public static string Property(string parent, string key) =>
        key.Length > 0 && (char.IsLetter(key[0]) || key[0] is '_' or '$') && key.All(c => char.IsLetterOrDigit(c) || c is '_' or '$')
            ? $"{parent}.{key}"
            : $"{parent}['{Escape(key)}']";

    /// <summary>A key as JSON path text on one line: backslash, quote and control characters escaped.</summary>
    private static string Escape(string key)
    {
        var text = new System.Text.StringBuilder(key.Length);
        foreach (var c in key)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '\'' => text.Append("\\'"),
                < ' ' or '\u007F' => text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        return text.ToString();
    }

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
