using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class DeadlineConstraintTests
{
    /// <summary>A machine so loaded that every look at the wall clock finds another second gone, while the thread itself barely runs.</summary>
    private sealed class LoadedMachine
    {
        public long Wall;
        public TimeSpan Cpu;
        public TimeSpan CpuPerRead = TimeSpan.Zero;
        public long WallPerRead = 1_000;
        public int SlowCpuReads;

        public EvaluationClock Clock => new(() => Wall += WallPerRead, 1_000, () => Cpu += SlowCpuReads-- > 0 ? TimeSpan.FromMilliseconds(300) : CpuPerRead);
    }

    [Fact]
    public void Wall_time_the_thread_spends_waiting_for_a_core_does_not_spend_the_budget()
    {
        var machine = new LoadedMachine();
        var deadline = new DeadlineConstraint(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10_000), machine.Clock);

        deadline.Arm();
        for (var i = 0; i < 100; i++)
        {
            deadline.Check();
        }
    }

    [Fact]
    public void Cpu_time_past_the_budget_ends_the_evaluation()
    {
        var machine = new LoadedMachine { CpuPerRead = TimeSpan.FromMilliseconds(100) };
        var deadline = new DeadlineConstraint(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10_000), machine.Clock);

        deadline.Arm();
        deadline.Check();
        deadline.Check();

        Assert.Throws<TimeoutException>(deadline.Check);
    }

    [Fact]
    public void The_wall_clock_backstop_ends_an_evaluation_starved_for_too_long()
    {
        var machine = new LoadedMachine();
        var deadline = new DeadlineConstraint(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), machine.Clock);

        deadline.Arm();
        deadline.Check();

        Assert.Throws<TimeoutException>(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                deadline.Check();
            }
        });
    }

    [Fact]
    public void Nothing_is_timed_while_disarmed()
    {
        var machine = new LoadedMachine { CpuPerRead = TimeSpan.FromSeconds(1) };
        var deadline = new DeadlineConstraint(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), machine.Clock);

        deadline.Arm();
        deadline.Disarm();
        for (var i = 0; i < 100; i++)
        {
            deadline.Check();
        }
    }

    [Fact]
    public void A_first_evaluation_on_a_cold_evaluator_of_a_loaded_machine_does_not_trip_the_limit()
    {
        // Every wall-clock read advances a second: any wall-time budget, or set-up counted against the budget, would trip.
        var machine = new LoadedMachine();
        using var evaluator = new ExpressionEvaluator(new ExpressionLimits { WallTimeout = TimeSpan.FromMinutes(5) }, null, prewarm: false, machine.Clock);

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = "JSON.stringify(secrets)", Secrets = new Dictionary<string, string> { ["A"] = "v" }, AllowedSecrets = ["A"] });

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal("{\"A\":\"v\"}", result.Value!.GetValue<string>());
    }

    [Fact]
    public void A_runaway_expression_still_ends_by_cpu_time()
    {
        var machine = new LoadedMachine { CpuPerRead = TimeSpan.FromMilliseconds(50) };
        using var evaluator = new ExpressionEvaluator(new ExpressionLimits { MaxStatements = int.MaxValue, WallTimeout = TimeSpan.FromMinutes(5) }, null, prewarm: false, machine.Clock);

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = "(() => { for (;;) {} })()" });

        Assert.Equal(ExpressionStatus.Limited, result.Status);
        Assert.Equal("limit exceeded: time", result.Error);
    }

    private const string Loop = "(() => { let s = 0; for (let i = 0; i < 1000; i++) { s += i; } return s; })()";

    [Fact]
    public void A_first_evaluation_that_the_JIT_takes_past_the_budget_on_a_cold_engine_runs_again_on_a_warmed_one()
    {
        // The first two reads of the thread's CPU clock (the cold engine's start and its first check) find 300 ms gone.
        var machine = new LoadedMachine { SlowCpuReads = 2 };
        using var evaluator = new ExpressionEvaluator(new ExpressionLimits { WallTimeout = TimeSpan.FromMinutes(5) }, null, prewarm: true, machine.Clock);

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = Loop });

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal(499500, result.Value!.GetValue<int>());
        Assert.True(machine.SlowCpuReads < 0, "the cold run was never timed");
    }

    [Fact]
    public void A_warm_engine_that_passes_the_budget_gets_no_second_run()
    {
        var machine = new LoadedMachine();
        using var evaluator = new ExpressionEvaluator(new ExpressionLimits { WallTimeout = TimeSpan.FromMinutes(5) }, null, prewarm: true, machine.Clock);
        Assert.Equal(ExpressionStatus.Ok, evaluator.Evaluate(new ExpressionRequest { Expression = "1" }).Status);
        machine.SlowCpuReads = 2;

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = Loop });

        Assert.Equal(ExpressionStatus.Limited, result.Status);
        Assert.Equal("limit exceeded: time", result.Error);
    }

    [Fact]
    public void The_wall_backstop_must_be_at_least_the_cpu_budget()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionLimits { Timeout = TimeSpan.FromSeconds(20), WallTimeout = TimeSpan.FromSeconds(10) }.Validate());
    }
}
