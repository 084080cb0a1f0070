using Microsoft.Extensions.Time.Testing;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>Values registered for runs are released once no run holds them and the grace period has passed.</summary>
public sealed class LeaseTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static (SecretRedactor Redactor, FakeTimeProvider Clock) Create()
    {
        var clock = new FakeTimeProvider();
        return (new SecretRedactor(new RedactionOptions { ReleaseGracePeriod = Grace }, clock), clock);
    }

    [Fact]
    public void A_released_value_is_masked_through_the_grace_period_and_not_after()
    {
        var (redactor, clock) = Create();
        var lease = redactor.Lease([new RedactionValue("run-secret-value-1")]);
        lease.Dispose();

        clock.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.Equal("x ***", redactor.Redact("x run-secret-value-1"));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("x run-secret-value-1", redactor.Redact("x run-secret-value-1"));
        Assert.Equal(0, redactor.Count);
    }

    [Fact]
    public void A_value_stays_while_any_run_holds_it()
    {
        var (redactor, clock) = Create();
        var first = redactor.Lease([new RedactionValue("shared-secret-value")]);
        var second = redactor.Lease([new RedactionValue("shared-secret-value")]);

        first.Dispose();
        clock.Advance(Grace * 2);
        Assert.Equal("***", redactor.Redact("shared-secret-value"));

        second.Dispose();
        clock.Advance(Grace);
        Assert.Equal("shared-secret-value", redactor.Redact("shared-secret-value"));
    }

    [Fact]
    public void A_value_leased_again_during_its_grace_period_is_kept()
    {
        var (redactor, clock) = Create();
        redactor.Lease([new RedactionValue("rotating-secret-a")]).Dispose();
        clock.Advance(Grace / 2);
        using var again = redactor.Lease([new RedactionValue("rotating-secret-a")]);

        clock.Advance(Grace * 2);

        Assert.Equal("***", redactor.Redact("rotating-secret-a"));
    }

    [Fact]
    public void A_value_added_without_a_lease_is_never_released()
    {
        var (redactor, clock) = Create();
        redactor.Add("pinned-secret-value");
        redactor.Lease([new RedactionValue("pinned-secret-value")]).Dispose();

        clock.Advance(Grace * 10);

        Assert.Equal("***", redactor.Redact("pinned-secret-value"));
    }

    [Fact]
    public void Values_of_one_run_added_in_steps_are_released_together()
    {
        var (redactor, clock) = Create();
        var lease = redactor.Lease();
        lease.Add([new RedactionValue("node-one-secret"), new RedactionValue("node-one-other")]);
        lease.Add([new RedactionValue("node-two-secret")]);
        Assert.Equal(3, redactor.Count);

        lease.Dispose();
        clock.Advance(Grace);

        Assert.Equal(0, redactor.Count);
        Assert.Throws<ObjectDisposedException>(() => lease.Add([new RedactionValue("too-late-secret")]));
    }

    [Fact]
    public async Task After_100000_runs_with_rotating_values_only_the_live_ones_are_held()
    {
        var (redactor, clock) = Create();
        const int runs = 100_000;
        var step = TimeSpan.FromMilliseconds(100);
        var maxIndexed = 0;
        for (var run = 0; run < runs; run++)
        {
            // A service key rotated every 1,000 runs, a database password every 100, and a token unique to the run.
            using (redactor.Lease([new RedactionValue($"svc-key-{run / 1000:x6}-0123456789"), new RedactionValue($"db-pass-{run / 100:x6}-abcdef"), new RedactionValue($"tok-{run:x8}-zyxw")]))
            {
                Assert.Equal($"a *** b", redactor.Redact($"a tok-{run:x8}-zyxw b"));
            }

            clock.Advance(step);
            maxIndexed = Math.Max(maxIndexed, redactor.Indexed);
        }

        // Within the 30 s grace period: the last 300 runs' tokens, and the keys and passwords they used.
        var liveRuns = (int)(Grace / step);
        Assert.InRange(redactor.Count, liveRuns, liveRuns + 10);
        Assert.Equal("old tok-00000000-zyxw db-pass-000000-abcdef", redactor.Redact("old tok-00000000-zyxw db-pass-000000-abcdef"));
        Assert.InRange(maxIndexed, 0, 2 * (liveRuns + 10) + 128);

        clock.Advance(Grace);
        await redactor.WhenMergedAsync();
        Assert.Equal(0, redactor.Count);
        Assert.Equal(0, redactor.Indexed);
    }
}
