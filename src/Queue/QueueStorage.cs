using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Secrets.Runtime.Store.Postgres;

namespace Secrets.Runtime.Queue;

/// <summary>Hangfire's storage in the shared database (schema <c>hangfire</c>), the same for enqueuers and workers.</summary>
internal static class QueueStorage
{
    /// <summary>The schema Hangfire's tables live in, beside the store's tables.</summary>
    public const string Schema = "hangfire";

    /// <summary>
    /// Long polling (LISTEN/NOTIFY) wakes a worker when a job is enqueued; the 1 s poll is the safety net. The
    /// invisibility timeout slides while a worker runs the job, so a job is redelivered only when its worker stopped
    /// (killed, cut off) for <paramref name="invisibility"/>.
    /// </summary>
    public static PostgreSqlStorage Create(string database, TimeSpan invisibility)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = true,
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
            InvisibilityTimeout = invisibility,
            UseSlidingInvisibilityTimeout = true,
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
        };
        var connection = PostgresConnectionText.Parse(database).ConnectionString;
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, options), options);
    }
}
