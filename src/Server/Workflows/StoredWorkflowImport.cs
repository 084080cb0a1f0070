using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.SavedWorkflows;

namespace Secrets.Runtime.Server.Workflows;

/// <summary>
/// At start, moves workflows an older version saved as files (<c>HOME/server/workflows/PROJECT/NAME.json</c>) into the
/// store, keeping owner and times; one the store already has of that name is left as the store has it. When every file
/// was imported the folder is renamed <c>workflows.imported</c> (kept, never deleted); otherwise it stays, the log names
/// each file that was not imported and why (its error code), and the next start tries again.
/// </summary>
internal sealed class StoredWorkflowImport(IServiceProvider services, SecretsServerOptions options, TimeProvider time, ILogger<StoredWorkflowImport> logger) : IHostedService
{
    /// <summary>The audit actor of imported workflows.</summary>
    public const string Importer = "server-import";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(options.Runtime.Home!, "server", "workflows");
        if (!Directory.Exists(folder))
        {
            return;
        }

        var store = services.GetRequiredService<SecretStore>();
        var importer = Principal.LocalAdmin(Importer);
        int added = 0, kept = 0;
        var failed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(folder, file);
            try
            {
                var workflow = await ReadAsync(file, relative, cancellationToken).ConfigureAwait(false);
                if (await store.Workflows.ImportAsync(importer, workflow, cancellationToken).ConfigureAwait(false))
                {
                    added++;
                }
                else
                {
                    kept++;
                }
            }
            catch (SecretsRuntimeException ex) when (ex.Kind is ErrorKind.InvalidInput)
            {
                failed++;
                logger.LogWarning("saved workflow file {File} was not imported into the store ({Code}); fix or remove it, the next start tries again", relative, ex.Code);
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                failed++;
                logger.LogWarning("saved workflow file {File} was not imported into the store (not readable as a saved workflow: {ExceptionType}); fix or remove it, the next start tries again", relative, ex.GetType().Name);
            }
        }

        var moved = failed == 0 ? MoveAside(folder) : null;
        logger.LogInformation("saved workflow files: {Added} imported into the store, {Kept} already there, {Failed} not imported; folder {Folder}", added, kept, failed, moved ?? folder);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<SavedWorkflow> ReadAsync(string file, string relative, CancellationToken cancellationToken)
    {
        if (new FileInfo(file).Length > SavedWorkflowStore.MaxDocumentLength)
        {
            throw new JsonException("too large");
        }

        // The file's place is its address, as the older version wrote it: PROJECT/NAME.json.
        var parts = relative.Split(Path.DirectorySeparatorChar);
        if (parts.Length != 2)
        {
            throw new JsonException("not PROJECT/NAME.json");
        }

        var root = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)) as JsonObject ?? throw new JsonException("not an object");
        var owner = (string?)root["Owner"] ?? throw new JsonException("no owner");
        var document = root["Workflow"] as JsonObject ?? throw new JsonException("no workflow");
        return new SavedWorkflow
        {
            Project = parts[0],
            Name = Path.GetFileNameWithoutExtension(parts[1]),
            Owner = owner,
            Document = document.ToJsonString(),
            Version = 1,
            CreatedAt = root["CreatedAt"]?.GetValue<DateTimeOffset>() ?? throw new JsonException("no creation time"),
            UpdatedAt = root["UpdatedAt"]?.GetValue<DateTimeOffset>() ?? throw new JsonException("no update time"),
            UpdatedBy = (string?)root["UpdatedBy"] ?? owner,
        };
    }

    private string MoveAside(string folder)
    {
        var target = folder + ".imported";
        if (Directory.Exists(target) || File.Exists(target))
        {
            target += "-" + time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        Directory.Move(folder, target);
        return target;
    }
}
