using Npgsql;
using NpgsqlTypes;
using Secrets.Runtime.Store.SavedWorkflows;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>Saved workflows in the shared database, so every host sees the same ones; each write is one transaction with its audit row.</summary>
internal sealed class PostgresSavedWorkflowRows(PostgresDatabase database) : ISavedWorkflowRows
{
    /// <summary>Migration 7: saved workflows.</summary>
    public const string Migration =
        """
        CREATE TABLE saved_workflows (
            project text NOT NULL, name text NOT NULL, owner text NOT NULL, document text NOT NULL, version integer NOT NULL,
            created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, updated_by text NOT NULL,
            PRIMARY KEY (project, name));
        """;

    private const string Columns = "project, name, owner, document, version, created_at, updated_at, updated_by";

    public Task<SavedWorkflow?> GetAsync(string project, string name, CancellationToken cancellationToken) => database.GuardAsync(async () =>
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM saved_workflows WHERE project = $1 AND name = $2");
        command.Parameters.Add(Text(project));
        command.Parameters.Add(Text(name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    });

    public Task<IReadOnlyList<SavedWorkflow>> ListAsync(string? project, CancellationToken cancellationToken) => database.GuardAsync<IReadOnlyList<SavedWorkflow>>(async () =>
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM saved_workflows WHERE $1::text IS NULL OR project = $1 ORDER BY project, name");
        command.Parameters.Add(NullableText(project));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<SavedWorkflow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    });

    public Task<SavedWorkflowSave?> PutAsync(string project, string name, string document, string user, DateTimeOffset at, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken)
    {
        // One statement decides create or update (the primary key serialises concurrent first saves: one owner).
        var sql = expectedVersion switch
        {
            null => $"""
                INSERT INTO saved_workflows ({Columns}) VALUES ($1, $2, $3, $4, 1, $5, $5, $3)
                ON CONFLICT (project, name) DO UPDATE SET document = excluded.document, version = saved_workflows.version + 1,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                RETURNING {Columns}
                """,
            0 => $"INSERT INTO saved_workflows ({Columns}) VALUES ($1, $2, $3, $4, 1, $5, $5, $3) ON CONFLICT (project, name) DO NOTHING RETURNING {Columns}",
            _ => $"""
                UPDATE saved_workflows SET document = $4, version = version + 1, updated_at = $5, updated_by = $3
                WHERE project = $1 AND name = $2 AND version = $6
                RETURNING {Columns}
                """,
        };
        return InTransactionAsync<SavedWorkflowSave?>(async (connection, transaction) =>
        {
#pragma warning disable CA2100 // SQL text is one of three constants; every value goes through parameters.
            await using var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
            command.Parameters.AddRange(new NpgsqlParameter[] { Text(project), Text(name), Text(user), Text(document), Time(at) });
            if (expectedVersion is > 0 or < 0)
            {
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expectedVersion.Value });
            }

            SavedWorkflow? saved;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                saved = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }

            if (saved is null)
            {
                return null;
            }

            await AuditAsync(connection, transaction, audit with { Version = saved.Version }, cancellationToken).ConfigureAwait(false);

            // Every save after the first raises the version, so version 1 is the save that created the row.
            return new SavedWorkflowSave(saved, saved.Version == 1);
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string project, string name, int? expectedVersion, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            int? deleted;
            await using (var command = new NpgsqlCommand("DELETE FROM saved_workflows WHERE project = $1 AND name = $2 AND ($3::integer IS NULL OR version = $3) RETURNING version", connection, transaction))
            {
                command.Parameters.AddRange(new NpgsqlParameter[] { Text(project), Text(name), new NpgsqlParameter { Value = (object?)expectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer } });
                deleted = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : null;
            }

            if (deleted is null)
            {
                return false;
            }

            await AuditAsync(connection, transaction, audit with { Version = deleted }, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<bool> InsertIfAbsentAsync(SavedWorkflow workflow, AuditEntry audit, CancellationToken cancellationToken) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await using (var command = new NpgsqlCommand($"INSERT INTO saved_workflows ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project, name) DO NOTHING", connection, transaction))
            {
                command.Parameters.AddRange(new NpgsqlParameter[] { Text(workflow.Project), Text(workflow.Name), Text(workflow.Owner), Text(workflow.Document), new NpgsqlParameter<int> { TypedValue = workflow.Version },
                    Time(workflow.CreatedAt), Time(workflow.UpdatedAt), Text(workflow.UpdatedBy) });
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            await AuditAsync(connection, transaction, audit with { Version = workflow.Version }, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static SavedWorkflow Read(NpgsqlDataReader r) => new()
    {
        Project = r.GetString(0),
        Name = r.GetString(1),
        Owner = r.GetString(2),
        Document = r.GetString(3),
        Version = r.GetInt32(4),
        CreatedAt = new DateTimeOffset(r.GetDateTime(5)),
        UpdatedAt = new DateTimeOffset(r.GetDateTime(6)),
        UpdatedBy = r.GetString(7),
    };

    private Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> body, CancellationToken cancellationToken) =>
        database.InTransactionAsync(body, cancellationToken);

    private static async Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO audit (at, actor, action, scope, owner, name, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", connection, transaction);
        command.Parameters.AddRange(new NpgsqlParameter[] { Time(entry.At), Text(entry.Actor), Text(entry.Action), NullableText(entry.Scope?.ToText()), NullableText(entry.Owner), NullableText(entry.Name),
            new NpgsqlParameter { Value = (object?)entry.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }, NullableText(entry.Detail) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static NpgsqlParameter<DateTime> Time(DateTimeOffset value) => new() { TypedValue = value.UtcDateTime };

    private static NpgsqlParameter NullableText(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
