namespace Secrets.Runtime.Store.Postgres;

/// <summary>The tables of queued runs (migration 6): run rows with their lease, attempts, node records per attempt, and live workers.</summary>
internal static class PostgresQueueSchema
{
    /// <summary>The channel a cancel request notifies, with the run id as the only payload.</summary>
    public const string CancelChannel = "secrets_runtime_run_cancel";

    public const string Migration = """
        CREATE TABLE run_queue (
            run_id text PRIMARY KEY, workflow text NOT NULL, queue text NOT NULL,
            definition text NOT NULL, request text NOT NULL,
            status text NOT NULL, attempts integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz, job_id text,
            lease_owner text, lease_expires_at timestamptz, cancel_requested boolean NOT NULL DEFAULT false);
        CREATE INDEX run_queue_owner ON run_queue (lease_owner) WHERE lease_owner IS NOT NULL;
        CREATE TABLE run_attempts (
            run_id text NOT NULL REFERENCES run_queue (run_id) ON DELETE CASCADE, attempt integer NOT NULL,
            worker text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz,
            outcome text NOT NULL, error_code text,
            PRIMARY KEY (run_id, attempt));
        CREATE TABLE run_nodes (
            run_id text NOT NULL, node_id text NOT NULL, attempt integer NOT NULL, record text NOT NULL,
            finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (run_id, node_id, attempt),
            FOREIGN KEY (run_id, attempt) REFERENCES run_attempts (run_id, attempt) ON DELETE CASCADE);
        CREATE TABLE run_workers (
            worker_id text PRIMARY KEY, host text NOT NULL, process_id integer NOT NULL, concurrency integer NOT NULL,
            queues text NOT NULL, lease_ms integer NOT NULL, started_at timestamptz NOT NULL DEFAULT now(),
            heartbeat_at timestamptz NOT NULL DEFAULT now());
        """;
}
