namespace Secrets.Runtime.Workflows.Records;

/// <summary>Where run records are kept: JSON files in the home folder, or the shared PostgreSQL database.</summary>
public interface IRunRecordStore
{
    /// <summary>Writes a record (already masked by the executor).</summary>
    Task SaveAsync(RunRecord record, CancellationToken cancellationToken = default);

    /// <summary>The record of run <paramref name="runId"/>.</summary>
    /// <exception cref="Redaction.SecretsRuntimeException">No run has that id, or the id is malformed.</exception>
    Task<RunRecord> GetAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Every record, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListAsync(CancellationToken cancellationToken = default);
}
