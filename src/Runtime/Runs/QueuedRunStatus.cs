namespace Secrets.Runtime.Runs;

/// <summary>Where a queued run is.</summary>
internal enum QueuedRunStatus
{
    /// <summary>Waiting for a worker (also after an attempt that ended without a result and will be retried).</summary>
    Queued,

    /// <summary>A worker holds its lease and is executing it.</summary>
    Running,

    /// <summary>Every node succeeded.</summary>
    Succeeded,

    /// <summary>A node failed (a result, not retried), or the infrastructure failed on every attempt.</summary>
    Failed,

    /// <summary>Cancelled before or while running.</summary>
    Cancelled,
}
