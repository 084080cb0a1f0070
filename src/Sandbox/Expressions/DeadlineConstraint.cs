using Jint;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// The time limit of one evaluation, armed only around the expression's own execution and measured in CPU time of
/// the evaluating thread: a busy machine that keeps the thread waiting for a core does not spend the budget. Every
/// statement reads the cheap wall clock; only when wall time reaches what is left of the budget is the thread's CPU
/// time read, and the check moves on by what is still left. A wall-clock backstop ends an evaluation that waits for
/// much longer than that.
/// </summary>
internal sealed class DeadlineConstraint : Constraint
{
    private readonly TimeSpan _budget;
    private readonly EvaluationClock _clock;
    private readonly long _budgetTicks;
    private readonly long _wallBudgetTicks;
    private readonly long _millisecondTicks;
    private long _nextCheck = long.MaxValue;
    private long _wallStart;
    private TimeSpan _cpuStart;
    private long _cpuReadAt = long.MinValue;
    private int _cpuThread;

    public DeadlineConstraint(TimeSpan budget, TimeSpan wallBudget, EvaluationClock clock)
    {
        _budget = budget;
        _clock = clock;
        _budgetTicks = Ticks(budget);
        _wallBudgetTicks = Ticks(wallBudget);
        _millisecondTicks = Ticks(TimeSpan.FromMilliseconds(1));
    }

    /// <summary>
    /// Starts the budget. Reading the thread's CPU clock is a system call (a third of a warm evaluation), so a
    /// reading taken on this thread less than a millisecond ago serves as the start: the expression is then charged
    /// at most that millisecond of its host's work too.
    /// </summary>
    public void Arm()
    {
        _wallStart = _clock.WallTimestamp();
        var thread = Environment.CurrentManagedThreadId;
        if (thread != _cpuThread || _wallStart - _cpuReadAt > _millisecondTicks)
        {
            _cpuStart = _clock.ThreadCpuTime();
            _cpuReadAt = _wallStart;
            _cpuThread = thread;
        }

        _nextCheck = _wallStart + _budgetTicks;
    }

    public void Disarm() => _nextCheck = long.MaxValue;

    /// <summary>
    /// The check only reads clocks, so Jint may run it every few dozen statements (and every few thousand steps
    /// inside a built-in's loop) instead of before each one: that delays noticing the end of the budget by those
    /// steps and changes nothing else.
    /// </summary>
    public override bool IsAmortizable => true;

    public override void Reset()
    {
    }

    public override void Check()
    {
        if (_clock.WallTimestamp() > _nextCheck)
        {
            CheckCpu();
        }
    }

    private void CheckCpu()
    {
        var now = _clock.WallTimestamp();
        var used = _clock.ThreadCpuTime() - _cpuStart;
        if (used >= _budget || now - _wallStart > _wallBudgetTicks)
        {
            throw new TimeoutException("limit exceeded: time");
        }

        // The thread has had less CPU than wall time passed: look again once the rest of the budget could be used.
        _nextCheck = now + Math.Max(Ticks(_budget - used), _millisecondTicks);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _clock.WallFrequency);
}
