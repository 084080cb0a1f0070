namespace Secrets.Runtime.Runs;

/// <summary>A live worker process, as <c>secrets-runtime workers</c> lists it.</summary>
internal sealed record WorkerInfo
{
    /// <summary>The worker's id (host, process id and a random suffix).</summary>
    public required string Id { get; init; }

    /// <summary>The machine it runs on.</summary>
    public required string Host { get; init; }

    /// <summary>Its process id on that machine.</summary>
    public required int ProcessId { get; init; }

    /// <summary>How many runs it executes at once.</summary>
    public required int Concurrency { get; init; }

    /// <summary>The queues it takes runs from.</summary>
    public required IReadOnlyList<string> Queues { get; init; }

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Its last heartbeat.</summary>
    public required DateTimeOffset HeartbeatAt { get; init; }

    /// <summary>The runs it holds a lease on now.</summary>
    public IReadOnlyList<string> Runs { get; init; } = [];
}
