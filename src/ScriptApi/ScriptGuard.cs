using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The runtime guard that the sandbox's guard injector weaves into every script: loop back-edges and <c>goto</c> call
/// <see cref="Tick"/>, every method, local function, lambda and accessor starts with <see cref="Enter"/> (an async one
/// with <see cref="EnterAsync"/> and ends with <see cref="ExitAsync"/>), and every
/// <c>catch</c> gets the filter <see cref="CanCatch"/>. Once a budget is breached the guard stays tripped: every
/// further check throws again and no script <c>catch</c> matches, so the run ends with "limit exceeded: time" or
/// "limit exceeded: stack" even when the script catches everything. Scripts cannot name this type (the policy
/// refuses it); only the injected calls reach it. The injected calls are static, so the state is: one script runs at a
/// time in a worker, and <see cref="Begin"/> resets it for each run.
/// </summary>
public static class ScriptGuard
{
    private const int TicksPerClockRead = 64;
    private static long _deadline = long.MaxValue;
    private static int _ticks;
    private static int _asyncBodies;
    private const int NotTripped = -1;
    private static volatile int _tripped = NotTripped;

    /// <summary>A loop back-edge: checks the time budget (the clock is read every few ticks) and a tripped guard.</summary>
    public static void Tick()
    {
        if (_tripped != NotTripped)
        {
            throw new ScriptLimitException((ScriptLimit)_tripped);
        }

        if (++_ticks % TicksPerClockRead == 0 && Stopwatch.GetTimestamp() > _deadline)
        {
            Trip(ScriptLimit.Time);
        }
    }

    /// <summary>A method entry: <see cref="Tick"/> plus a check that enough stack is left for the method.</summary>
    public static void Enter()
    {
        Tick();
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Trip(ScriptLimit.Stack);
        }
    }

    /// <summary>
    /// The entry of an async method, local function, lambda or anonymous method: <see cref="Enter"/>, then the body
    /// counts as started and not finished until its <see cref="ExitAsync"/> (in a <c>finally</c> around the whole
    /// body) runs. A body suspended at an <c>await</c> stays counted, so a loop of awaits the script did not wait for
    /// is seen whatever its timers and continuations are doing at the instant the worker looks.
    /// </summary>
    public static void EnterAsync()
    {
        Enter();
        Interlocked.Increment(ref _asyncBodies);
    }

    /// <summary>The end of an async body (the <c>finally</c> the injector wraps it in): it no longer counts as running.</summary>
    public static void ExitAsync() => Interlocked.Decrement(ref _asyncBodies);

    /// <summary>The filter of every script <c>catch</c>: false once the guard has tripped.</summary>
    public static bool CanCatch() => _tripped == NotTripped;

    /// <summary>How many checks guarded code has made in this run (it moves while any script code runs).</summary>
    internal static int Ticks => Volatile.Read(ref _ticks);

    /// <summary>How many async bodies of this run have started and not finished (suspended at an await counts).</summary>
    internal static int AsyncBodies => Volatile.Read(ref _asyncBodies);

    /// <summary>Starts a run with a fresh time budget.</summary>
    /// <remarks>A worker is reused only after a run that ended with nothing left running, so the count starts at zero.</remarks>
    internal static void Begin(TimeSpan budget)
    {
        _ticks = 0;
        Volatile.Write(ref _asyncBodies, 0);
        _deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        _tripped = NotTripped;
    }

    /// <summary>Ends a run: returns the limit it breached, if any, and trips the guard so code left running stops.</summary>
    internal static ScriptLimit? End()
    {
        var reason = Interlocked.Exchange(ref _tripped, (int)ScriptLimit.Time);
        return reason == NotTripped ? null : (ScriptLimit)reason;
    }

    /// <summary>Trips the guard for <paramref name="limit"/> (time, stack, output) and throws.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Trip(ScriptLimit limit)
    {
        Interlocked.CompareExchange(ref _tripped, (int)limit, NotTripped);
        throw new ScriptLimitException((ScriptLimit)_tripped);
    }
}
