using System.Diagnostics;
using Jint;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>A wall-clock limit armed per evaluation (engine set-up is not timed), checked at every statement.</summary>
internal sealed class DeadlineConstraint : Constraint
{
    private long _deadline = long.MaxValue;

    public void Arm(TimeSpan budget) => _deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);

    public void Disarm() => _deadline = long.MaxValue;

    public override void Reset()
    {
    }

    public override void Check()
    {
        if (Stopwatch.GetTimestamp() > _deadline)
        {
            throw new TimeoutException("limit exceeded: time");
        }
    }
}
