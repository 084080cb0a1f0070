using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.Workflows;

/// <summary>
/// Workflows saved in projects: one JSON file each under <c>HOME/server/workflows/PROJECT/NAME.json</c>, written
/// atomically. The first saver stays the owner.
/// </summary>
internal sealed class StoredWorkflowStore : IDisposable
{
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writes = new(1, 1);

    public StoredWorkflowStore(SecretsServerOptions options, TimeProvider time)
    {
        _root = Path.Combine(options.Runtime.Home!, "server", "workflows");
        _time = time;
    }

    /// <inheritdoc />
    public void Dispose() => _writes.Dispose();

    /// <summary>Names of projects and workflows: a letter or digit, then letters, digits, '.', '_' and '-', at most 100.</summary>
    public static void ValidateName(string text, string what)
    {
        if (text.Length is 0 or > 100 || !char.IsAsciiLetterOrDigit(text[0]) || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.WorkflowNameInvalidCode, $"the {what} in the path is not valid",
                [new ApiError("use a letter or digit, then letters, digits, '.', '_' and '-', at most 100 characters", what)]);
        }
    }

    public async Task<StoredWorkflow?> GetAsync(string project, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(project, name);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<StoredWorkflow>(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves <paramref name="document"/>; returns the stored workflow and whether it was new.</summary>
    public async Task<(StoredWorkflow Workflow, bool Created)> SaveAsync(string project, string name, JsonObject document, string user, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await GetAsync(project, name, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var owner = existing?.Owner ?? user;
            document["owner"] = owner;
            var stored = new StoredWorkflow
            {
                Name = name,
                Project = project,
                Owner = owner,
                CreatedAt = existing?.CreatedAt ?? now,
                UpdatedAt = now,
                UpdatedBy = user,
                Workflow = document,
            };
            var path = PathOf(project, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(stored), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
            return (stored, existing is null);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Every saved workflow (for usages); a file that does not parse is skipped.</summary>
    public async Task<IReadOnlyList<StoredWorkflow>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<StoredWorkflow>();
        if (!Directory.Exists(_root))
        {
            return found;
        }

        foreach (var file in Directory.EnumerateFiles(_root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                await using var stream = File.OpenRead(file);
                if (await JsonSerializer.DeserializeAsync<StoredWorkflow>(stream, cancellationToken: cancellationToken).ConfigureAwait(false) is { } stored)
                {
                    found.Add(stored);
                }
            }
            catch (JsonException)
            {
                // A damaged file is not a usage; GET of that workflow reports it.
            }
        }

        return found;
    }

    public async Task<bool> DeleteAsync(string project, string name, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = PathOf(project, name);
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    private string PathOf(string project, string name)
    {
        ValidateName(project, "project");
        ValidateName(name, "name");
        return Path.Combine(_root, project, name + ".json");
    }
}
