using System.IO.Enumeration;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>Finds where workflows refer to a secret, in any syntax, so a delete can say what it would break.</summary>
internal static class SecretUsageFinder
{
    /// <summary>Searches every <c>*.json</c> workflow under <paramref name="directory"/> (recursively) for references to <paramref name="name"/>.</summary>
    /// <remarks>Files that are not workflows (no <c>nodes</c> array) are passed over; workflows that do not validate are still searched.</remarks>
    public static Task<IReadOnlyList<SecretUsageSite>> FindAsync(string directory, SecretName name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw WorkflowErrors.FolderNotFound($"workflow folder not found: {Path.GetFullPath(directory)}");
        }

        // Folder links are not descended and every file goes through the confined reader: a workflow folder that
        // holds a link to elsewhere, a FIFO or a device named *.json is searched without reading any of them.
        var folder = Path.GetFullPath(directory);
        var files = new FileSystemEnumerable<string>(folder, (ref FileSystemEntry entry) => entry.ToFullPath(), new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && entry.FileName.EndsWith(".json", StringComparison.Ordinal),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        var sites = new List<SecretUsageSite>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (text, _, problem) = ConfinedFileReader.ReadInside(folder, Path.GetRelativePath(folder, file), WorkflowLoader.MaxFileBytes);
            if (problem is not null)
            {
                continue;
            }

            JsonNode? root;
            try
            {
                root = JsonNode.Parse(text!, documentOptions: new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException)
            {
                continue;
            }

            sites.AddRange(Find(root, name, file));
        }

        return Task.FromResult<IReadOnlyList<SecretUsageSite>>(sites);
    }

    /// <summary>The references to <paramref name="name"/> in one parsed workflow document.</summary>
    public static IEnumerable<SecretUsageSite> Find(JsonNode? workflow, SecretName name, string file)
    {
        if (workflow is not JsonObject { } root || root["nodes"] is not JsonArray nodes)
        {
            yield break;
        }

        var workflowName = root["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : Path.GetFileName(file);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is not JsonObject node)
            {
                continue;
            }

            var id = node["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var idText) ? idText : $"#{i}";
            foreach (var (path, reference) in NodeReferences.Secrets(node, $"$.nodes[{i}]"))
            {
                if (reference.Name == name)
                {
                    yield return new SecretUsageSite(file, workflowName, id, path, reference.Syntax);
                }
            }
        }
    }
}
