using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Runs;

/// <summary>How queued runs are leased and retried. Defaults suit production; tests shorten the lease.</summary>
internal sealed record RunQueueOptions
{
    /// <summary>The default lease: 30 seconds.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a worker's claim on a run lasts unless renewed (see <see cref="RenewInterval"/>). A worker killed mid-run loses the run to another worker this long after its last renewal.
    /// Default 30 s; 1 s to 1 hour.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;

    /// <summary>
    /// How many attempts a run gets when attempts end without a result (a worker killed, the database gone); a failed
    /// node is a result and is never retried. Default 5; 1 to 10 (Hangfire's job retries, 10, never run out first).
    /// </summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// How long a starting worker waits for the store's change listener and its own cancel listener to connect before
    /// it gives up (<c>queue.listener_down</c>) rather than take runs without them. Default 30 s; 1 s to 10 minutes.
    /// </summary>
    public TimeSpan ListenerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a worker renews its leases and reads their cancel flags, in one round trip: a third of the lease, at
    /// most 1 s, so a cancel stops a run within a second even when its NOTIFY was lost (the NOTIFY wakes it at once).
    /// </summary>
    public TimeSpan RenewInterval => LeaseDuration / 3 < TimeSpan.FromSeconds(1) ? LeaseDuration / 3 : TimeSpan.FromSeconds(1);

    /// <summary>The clock that times leases and renewals (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Checks every setting; the exception lists every problem.</summary>
    /// <exception cref="SecretsRuntimeException">A setting is out of range.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(1))
        {
            problems.Add("LeaseDuration must be between 1 second and 1 hour");
        }

        if (ListenerTimeout < TimeSpan.FromSeconds(1) || ListenerTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add("ListenerTimeout must be between 1 second and 10 minutes");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            problems.Add("MaxAttempts must be between 1 and 10");
        }

        if (problems.Count > 0)
        {
            throw new SecretsRuntimeException(QueueErrors.OptionsInvalidCode, ErrorKind.InvalidInput, "run queue options: " + string.Join("; ", problems));
        }
    }
}
