using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Tests.Support;

/// <summary>
/// One <see cref="ScriptRunner"/> for a whole xUnit collection, so the collection starts one compile worker, not one
/// per test class, and kills its workers when the collection ends. Tests that need other limits pass them on the
/// request (<see cref="ScriptRequest.Limits"/>); tests that need other runner options make and dispose their own.
/// </summary>
public sealed class ScriptRunnerFixture : IDisposable
{
    /// <summary>Creates the runner (default options) and starts its spare and compile workers.</summary>
    public ScriptRunnerFixture()
    {
        Runner = new ScriptRunner();
        Runner.Prewarm();
    }

    /// <summary>The shared runner: default options, compiled images cached in memory only.</summary>
    internal ScriptRunner Runner { get; }

    /// <summary>Runs <paramref name="request"/> with a time limit of <paramref name="timeout"/> (other limits as requested or default).</summary>
    internal Task<ScriptResult> RunAsync(ScriptRequest request, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Limits ?? new ScriptLimits();
        return Runner.RunAsync(request with { Limits = limits with { Timeout = timeout } });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Runner.Dispose();
    }
}
