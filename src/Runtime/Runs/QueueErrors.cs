namespace Secrets.Runtime.Runs;

/// <summary>The error codes of queued runs, the run queue and its workers.</summary>
internal static class QueueErrors
{
    /// <summary><c>queue.attempts_exhausted</c>.</summary>
    public const string AttemptsExhaustedCode = "queue.attempts_exhausted";

    /// <summary><c>queue.listener_down</c>.</summary>
    public const string ListenerDownCode = "queue.listener_down";

    /// <summary><c>queue.name_invalid</c>.</summary>
    public const string NameInvalidCode = "queue.name_invalid";

    /// <summary><c>queue.no_dispatcher</c>.</summary>
    public const string NoDispatcherCode = "queue.no_dispatcher";

    /// <summary><c>queue.options_invalid</c>.</summary>
    public const string OptionsInvalidCode = "queue.options_invalid";

    /// <summary><c>queue.request_corrupt</c>.</summary>
    public const string RequestCorruptCode = "queue.request_corrupt";

    /// <summary><c>queue.retry</c>.</summary>
    public const string RetryCode = "queue.retry";

    /// <summary><c>queue.store_not_shared</c>.</summary>
    public const string StoreNotSharedCode = "queue.store_not_shared";

    /// <summary><c>run.cancelled</c>.</summary>
    public const string RunCancelledCode = "run.cancelled";

    /// <summary><c>run.node_failed</c>.</summary>
    public const string RunNodeFailedCode = "run.node_failed";
}
