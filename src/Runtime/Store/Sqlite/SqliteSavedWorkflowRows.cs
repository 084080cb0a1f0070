using Microsoft.Data.Sqlite;
using Secrets.Runtime.Store.SavedWorkflows;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>Saved workflows in the SQLite file; each write is one <c>BEGIN IMMEDIATE</c> transaction with its audit row.</summary>
internal sealed class SqliteSavedWorkflowRows(Func<CancellationToken, Task<SqliteConnection>> open) : ISavedWorkflowRows
{
    /// <summary>Migration 6: saved workflows.</summary>
    public const string Migration =
        """
        CREATE TABLE saved_workflows (
            project TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL, document TEXT NOT NULL, version INTEGER NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
            PRIMARY KEY (project, name));
        """;

    private const string Columns = "project, name, owner, document, version, created_at, updated_at, updated_by";

    public async Task<SavedWorkflow?> GetAsync(string project, string name, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var command = SqliteSecretRows.Command(connection, null, $"SELECT {Columns} FROM saved_workflows WHERE project = $project AND name = $name", ("$project", project), ("$name", name));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<SavedWorkflow>> ListAsync(string? project, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var command = SqliteSecretRows.Command(connection, null, $"SELECT {Columns} FROM saved_workflows WHERE $project IS NULL OR project = $project ORDER BY project, name", ("$project", project));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<SavedWorkflow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<SavedWorkflowSave?> PutAsync(string project, string name, string document, string user, DateTimeOffset at, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        // One statement decides create or update, so two first saves make one owner; RETURNING gives the row as written.
        var sql = expectedVersion switch
        {
            null => $"""
                INSERT INTO saved_workflows ({Columns}) VALUES ($project, $name, $user, $document, 1, $at, $at, $user)
                ON CONFLICT (project, name) DO UPDATE SET document = excluded.document, version = saved_workflows.version + 1,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                RETURNING {Columns}
                """,
            0 => $"INSERT INTO saved_workflows ({Columns}) VALUES ($project, $name, $user, $document, 1, $at, $at, $user) ON CONFLICT (project, name) DO NOTHING RETURNING {Columns}",
            _ => $"""
                UPDATE saved_workflows SET document = $document, version = version + 1, updated_at = $at, updated_by = $user
                WHERE project = $project AND name = $name AND version = $expected
                RETURNING {Columns}
                """,
        };
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        SavedWorkflow? saved;
        using (var command = SqliteSecretRows.Command(connection, transaction, sql, ("$project", project), ("$name", name), ("$user", user), ("$document", document),
            ("$at", SqliteSecretRows.Format(at)), ("$expected", expectedVersion)))
        using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            saved = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }

        if (saved is null)
        {
            return null;
        }

        await AuditAsync(connection, transaction, audit with { Version = saved.Version }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Every save after the first raises the version, so version 1 is the save that created the row.
        return new SavedWorkflowSave(saved, saved.Version == 1);
    }

    public async Task<bool> DeleteAsync(string project, string name, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        int? deleted;
        using (var command = SqliteSecretRows.Command(connection, transaction,
            "DELETE FROM saved_workflows WHERE project = $project AND name = $name AND ($expected IS NULL OR version = $expected) RETURNING version",
            ("$project", project), ("$name", name), ("$expected", expectedVersion)))
        {
            deleted = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? (int)version : null;
        }

        if (deleted is null)
        {
            return false;
        }

        await AuditAsync(connection, transaction, audit with { Version = deleted }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> InsertIfAbsentAsync(SavedWorkflow workflow, AuditEntry audit, CancellationToken cancellationToken)
    {
        using var connection = await open(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction();
        using (var command = SqliteSecretRows.Command(connection, transaction,
            $"INSERT INTO saved_workflows ({Columns}) VALUES ($project, $name, $owner, $document, $version, $created, $updated, $by) ON CONFLICT (project, name) DO NOTHING",
            ("$project", workflow.Project), ("$name", workflow.Name), ("$owner", workflow.Owner), ("$document", workflow.Document), ("$version", workflow.Version),
            ("$created", SqliteSecretRows.Format(workflow.CreatedAt)), ("$updated", SqliteSecretRows.Format(workflow.UpdatedAt)), ("$by", workflow.UpdatedBy)))
        {
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }

        await AuditAsync(connection, transaction, audit with { Version = workflow.Version }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static SavedWorkflow Read(SqliteDataReader r) => new()
    {
        Project = r.GetString(0),
        Name = r.GetString(1),
        Owner = r.GetString(2),
        Document = r.GetString(3),
        Version = r.GetInt32(4),
        CreatedAt = SqliteSecretRows.Parse(r.GetString(5)),
        UpdatedAt = SqliteSecretRows.Parse(r.GetString(6)),
        UpdatedBy = r.GetString(7),
    };

    private static async Task AuditAsync(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        using var command = SqliteSecretRows.Command(connection, transaction, SqliteSecretRows.InsertAudit, ("$at", SqliteSecretRows.Format(entry.At)), ("$actor", entry.Actor),
            ("$action", entry.Action), ("$scope", entry.Scope?.ToText()), ("$owner", entry.Owner), ("$name", entry.Name), ("$version", entry.Version), ("$detail", entry.Detail));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
