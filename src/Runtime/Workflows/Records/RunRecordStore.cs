using System.Text.Json;
using System.Text.Json.Serialization;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows.Records;

/// <summary>Keeps run records as JSON files (mode 0600) in the <c>runs</c> folder of the home folder.</summary>
internal sealed class RunRecordStore : IRunRecordStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _folder;

    /// <summary>Creates a store over <c>HOME/runs</c>.</summary>
    public RunRecordStore(string home)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        _folder = Path.Combine(home, "runs");
    }

    /// <inheritdoc />
    public async Task SaveAsync(RunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Directory.CreateDirectory(_folder);
        var path = PathOf(record.RunId);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, record, Json, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<RunRecord> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var path = PathOf(runId);
        if (!File.Exists(path))
        {
            throw NotFound(runId);
        }

        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync<RunRecord>(stream, Json, cancellationToken).ConfigureAwait(false) ?? throw Empty(runId);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_folder))
        {
            return [];
        }

        var records = new List<RunRecord>();
        foreach (var file in Directory.EnumerateFiles(_folder, "*.json"))
        {
            records.Add(await GetAsync(Path.GetFileNameWithoutExtension(file), cancellationToken).ConfigureAwait(false));
        }

        return records.OrderByDescending(r => r.StartedAt).ToList();
    }

    /// <summary>Serializes a record the way it is stored (for <c>runs show --json</c>).</summary>
    public static string ToJson(RunRecord record) => JsonSerializer.Serialize(record, Json);

    /// <summary>Reads a record serialized by <see cref="ToJson"/>.</summary>
    internal static RunRecord FromJson(string runId, string json) => JsonSerializer.Deserialize<RunRecord>(json, Json) ?? throw Empty(runId);

    /// <summary>Refuses anything but a generated run id (hex and dashes), so no id can walk out of a folder.</summary>
    internal static string CheckId(string runId)
    {
        if (runId.Length is 0 or > 64 || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw WorkflowErrors.RunIdInvalid($"'{runId}' is not a run id");
        }

        return runId;
    }

    /// <summary>The error for an id no run has.</summary>
    internal static SecretsRuntimeException NotFound(string runId) =>
        WorkflowErrors.RunNotFound($"no run with id '{runId}'; 'secrets-runtime runs list' shows the runs");

    private static SecretsRuntimeException Empty(string runId) => WorkflowErrors.RunCorrupt($"run record {runId} is empty");

    private string PathOf(string runId) => Path.Combine(_folder, CheckId(runId) + ".json");
}
