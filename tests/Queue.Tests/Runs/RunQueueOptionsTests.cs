using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Queue.Tests.Runs;

public sealed class RunQueueOptionsTests
{
    [Fact]
    public void Every_setting_out_of_range_is_listed()
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => new RunQueueOptions { LeaseDuration = TimeSpan.Zero, MaxAttempts = 0 }.Validate());

        Assert.Equal("run queue options: LeaseDuration must be between 1 second and 1 hour; MaxAttempts must be between 1 and 10", ex.Message);
    }

    [Theory]
    [InlineData(3, 1000)]
    [InlineData(30, 1000)]
    [InlineData(1, 333)]
    public void Leases_are_renewed_at_least_every_second(int leaseSeconds, int expectedMs)
    {
        Assert.Equal(expectedMs, (int)new RunQueueOptions { LeaseDuration = TimeSpan.FromSeconds(leaseSeconds) }.RenewInterval.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Critical")]
    [InlineData("a-b")]
    [InlineData("queue name")]
    public void A_queue_name_outside_lower_case_letters_digits_and_underscore_is_refused(string name)
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => RunQueue.CheckQueueName(name));

        Assert.Equal("queue.name_invalid", ex.Code);
    }
}
