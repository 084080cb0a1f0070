using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class PreparedEngineTests
{
    private const string SumTo1000 = "(() => { let s = 0; for (let i = 0; i < 1000; i++) { s += i; } return s; })()";

    [Fact]
    public void An_evaluator_whose_prepared_engine_failed_to_build_evaluates_on_an_engine_of_its_own()
    {
        var prepared = new PreparedEngine(new ExpressionLimits(), EvaluationClock.System, () => throw new InvalidOperationException("the build failed"));
        using var evaluator = new ExpressionEvaluator(null, null, prewarm: true, EvaluationClock.System, prepared);

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = "[1 + 1, Object.isFrozen(Object.prototype)]" });

        Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
        Assert.Equal("[2,true]", result.Value!.ToJsonString());
    }

    [Fact]
    public void A_prepared_engine_with_other_limits_never_serves_an_evaluator()
    {
        var prepared = new PreparedEngine(new ExpressionLimits(), EvaluationClock.System, () => new ExpressionEngine(new ExpressionLimits()));
        using var evaluator = new ExpressionEvaluator(new ExpressionLimits { MaxStatements = 50 }, null, prewarm: true, EvaluationClock.System, prepared);

        var result = evaluator.Evaluate(new ExpressionRequest { Expression = SumTo1000 });

        Assert.Equal(ExpressionStatus.Limited, result.Status);
    }

    [Fact]
    public void A_prepared_engine_is_handed_out_once_and_only_for_its_own_limits_and_clock()
    {
        var limits = new ExpressionLimits { MaxStatements = 50 };
        ExpressionEngine? built = null;
        var prepared = new PreparedEngine(limits, EvaluationClock.System, () => built = new ExpressionEngine(limits));
        var other = new PreparedEngine(limits, EvaluationClock.System, () => new ExpressionEngine(limits));
        var clock = new EvaluationClock(() => 0, 1, () => TimeSpan.Zero);

        using var engine = prepared.Take(limits with { }, EvaluationClock.System);

        Assert.NotNull(engine);
        Assert.Same(built, engine);
        Assert.Null(prepared.Take(limits, EvaluationClock.System));
        Assert.Null(other.Take(limits, clock));
        Assert.Null(other.Take(limits, EvaluationClock.System));
    }

    /// <summary>
    /// The CLI's eval opens its runtime (and so its evaluator) while the engine is still building: the evaluator leaves
    /// the prepared engine to its first evaluation, so the caller's work until then (the store, the expression's
    /// analysis) overlaps the build. Here the build cannot finish until the evaluator exists.
    /// </summary>
    [Fact]
    public async Task An_evaluator_takes_its_prepared_engine_at_its_first_evaluation_without_waiting_for_the_build_before()
    {
        var limits = new ExpressionLimits();
        using var gate = new ManualResetEventSlim();
        ExpressionEngine? built = null;
        var prepared = new PreparedEngine(limits, EvaluationClock.System, () =>
        {
            gate.Wait();
            return built = new ExpressionEngine(limits);
        });
        try
        {
            // A hang guard, not a timing: a constructor that waited for the build would wait for the gate forever
            // (WaitAsync then throws a TimeoutException).
            using var evaluator = await Task.Run(() => new ExpressionEvaluator(limits, null, prewarm: true, EvaluationClock.System, prepared)).WaitAsync(TimeSpan.FromMinutes(3));
            gate.Set();

            var result = evaluator.Evaluate(new ExpressionRequest { Expression = "[1 + 1, Object.isFrozen(Object.prototype)]" });

            Assert.True(result.Status == ExpressionStatus.Ok, result.Error);
            Assert.Equal("[2,true]", result.Value!.ToJsonString());
            Assert.True(built is { IsWarm: true }, "the evaluation did not run on the prepared engine");
            Assert.Null(prepared.Take(limits, EvaluationClock.System));
        }
        finally
        {
            gate.Set();
        }
    }

    /// <summary>
    /// While the prepared engine builds, the evaluating thread prepares the expression's script for it: results, errors
    /// and their positions are the same as an evaluator's that prepares on its engine.
    /// </summary>
    [Theory]
    [InlineData("[1 + 1, `a${inputs.n}b`, ((s, ...v) => s.raw.join('|') + v.join())`x${1}y${2}z`]")]
    [InlineData("secrets.TOKEN.length")]
    [InlineData("secrets.OTHER")]
    [InlineData("(() => {\n  null.x;\n})()")]
    [InlineData("JSON.parse('{')")]
    [InlineData("(() => { for (;;) {} })()")]
    public async Task An_expression_prepared_while_its_engine_builds_evaluates_as_on_any_engine(string expression)
    {
        var limits = new ExpressionLimits { MaxStatements = 1000 };
        var request = new ExpressionRequest
        {
            Expression = expression,
            Secrets = new Dictionary<string, string> { ["TOKEN"] = "t-123" },
            Inputs = new System.Text.Json.Nodes.JsonObject { ["n"] = 7 },
        };
        using var plain = new ExpressionEvaluator(limits, null, prewarm: false);
        var expected = plain.Evaluate(request);
        using var gate = new ManualResetEventSlim();
        var prepared = new PreparedEngine(limits, EvaluationClock.System, () =>
        {
            gate.Wait();
            return new ExpressionEngine(limits);
        });
        using var evaluator = new ExpressionEvaluator(limits, null, prewarm: true, EvaluationClock.System, prepared);

        var evaluation = Task.Run(() => evaluator.Evaluate(request));
        gate.Set();
        var result = await evaluation.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal((expected.Status, expected.Value?.ToJsonString(), expected.Error), (result.Status, result.Value?.ToJsonString(), result.Error));
        Assert.Null(prepared.Take(limits, EvaluationClock.System));
    }

    [Fact]
    public void An_evaluator_disposed_before_its_first_evaluation_gives_its_prepared_engine_up()
    {
        var limits = new ExpressionLimits();
        var prepared = new PreparedEngine(limits, EvaluationClock.System, () => new ExpressionEngine(limits));
        var evaluator = new ExpressionEvaluator(limits, null, prewarm: true, EvaluationClock.System, prepared);

        evaluator.Dispose();

        Assert.Null(prepared.Take(limits, EvaluationClock.System));
    }

    [Fact]
    public void The_prepared_engine_an_evaluator_takes_enforces_its_limits()
    {
        var limits = new ExpressionLimits { MaxStatements = 50 };
        var prepared = new PreparedEngine(limits, EvaluationClock.System, () => new ExpressionEngine(limits));
        using var evaluator = new ExpressionEvaluator(limits, null, prewarm: true, EvaluationClock.System, prepared);

        var limited = evaluator.Evaluate(new ExpressionRequest { Expression = SumTo1000 });

        Assert.Equal(ExpressionStatus.Limited, limited.Status);
        Assert.Null(prepared.Take(limits, EvaluationClock.System));
    }
}
