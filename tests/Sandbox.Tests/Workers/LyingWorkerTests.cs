using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// A worker the script took over (the breach probe in worker mode) answers with lines shaped to forge an outcome: an
/// "ok" in the old format, a result with two outcomes, an undefined limit, a value that is not JSON, a message out of
/// turn. None is accepted: the run fails, the worker is stopped and never reused.
/// </summary>
public sealed class LyingWorkerTests : IClassFixture<LyingWorkerTests.Runners>
{
    private const string Script = "return 1;";
    private readonly Runners _runners;

    public LyingWorkerTests(Runners runners) => _runners = runners;

    /// <summary>The image compiled once by the real compile worker into a disk cache, and a runner whose workers are the probe.</summary>
    public sealed class Runners : IDisposable
    {
        private readonly TemporaryHome _cache = new("lying-cache-");

        public Runners()
        {
            using (var real = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _cache.Path }))
            {
                if (real.RunAsync(new ScriptRequest { Source = Script }).GetAwaiter().GetResult().Status != ScriptStatus.Ok)
                {
                    throw new InvalidOperationException("the real worker did not run the script");
                }
            }

            Lying = new ScriptRunner(new ScriptRunnerOptions { CacheDirectory = _cache.Path, WorkerPath = Path.Combine(AppContext.BaseDirectory, "secrets-runtime-breach-probe.dll") });
        }

        internal ScriptRunner Lying { get; }

        public void Dispose()
        {
            Lying.Dispose();
            _cache.Dispose();
        }
    }

    private Task<ScriptResult> RunAsync(string tenant, string input) =>
        _runners.Lying.RunAsync(new ScriptRequest { Source = Script, Tenant = tenant, InputJson = input });

    [Theory]
    [InlineData("not-json")]
    [InlineData("unknown-type")]
    [InlineData("no-type")]
    [InlineData("old-protocol")]
    [InlineData("undefined-limit")]
    [InlineData("unknown-outcome")]
    [InlineData("ok-and-limited")]
    [InlineData("duplicate-outcome")]
    [InlineData("extra-member")]
    [InlineData("value-not-json")]
    [InlineData("ready-mid-run")]
    [InlineData("compile-answer")]
    public async Task A_malformed_answer_fails_the_run_and_the_worker_is_not_reused(string lie)
    {
        var tenant = "lie-" + lie;

        var result = await RunAsync(tenant, $"{{\"lie\":\"{lie}\"}}");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Null(result.Value);
        Assert.Null(result.Limit);
        Assert.StartsWith("the worker broke the protocol", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _runners.Lying.IdleWorkers(tenant));
    }

    [Fact]
    public async Task An_oversized_line_ends_the_run_at_the_output_limit()
    {
        var result = await RunAsync("lie-huge", "{\"lie\":\"huge\"}");

        Assert.Equal((ScriptStatus.Limited, LimitKind.Output), (result.Status, result.Limit));
        Assert.Equal(0, _runners.Lying.IdleWorkers("lie-huge"));
    }

    [Fact]
    public async Task The_same_worker_answering_in_the_protocol_is_believed_so_the_lies_are_what_fail()
    {
        var result = await RunAsync("honest", "{}");

        Assert.Equal(ScriptStatus.Ok, result.Status);
        Assert.Equal(1, result.Value!.GetValue<int>());
    }
}
