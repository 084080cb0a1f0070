using System.Threading.RateLimiting;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>
/// Counts failed authentications per client address in a fixed window; once the window's permits are spent, the
/// address gets 429 before its tokens are even checked, so guessing tokens is slow.
/// </summary>
internal sealed class FailedAuthenticationLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FailedAuthenticationLimiter(SecretsServerOptions options) =>
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.FailedAuthenticationLimit,
            Window = options.FailedAuthenticationWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>The window the permits come back after, for <c>Retry-After</c>.</summary>
    public static TimeSpan RetryAfter(SecretsServerOptions options) => options.FailedAuthenticationWindow;

    /// <summary>Whether the address has spent its failures for this window.</summary>
    public bool IsBlocked(string address) => (_limiter.GetStatistics(address)?.CurrentAvailablePermits ?? 1) <= 0;

    /// <summary>Counts one failure; false when it was one too many.</summary>
    public bool RecordFailure(string address)
    {
        using var lease = _limiter.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
