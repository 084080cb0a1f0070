using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The runtime guard that <see cref="GuardInjector"/> weaves into every script: loop back-edges and <c>goto</c> call
/// <see cref="Tick"/>, every method, local function, lambda and accessor starts with <see cref="Enter"/>, and every
/// <c>catch</c> gets the filter <see cref="CanCatch"/>. Once a budget is breached the guard stays tripped: every
/// further check throws again and no script <c>catch</c> matches, so the run ends with "limit exceeded: time" or
/// "limit exceeded: stack" even when the script catches everything. Scripts cannot name this type (the policy
/// refuses it); only the injected calls reach it. One script runs at a time in a worker, so the state is static.
/// </summary>
public static class ScriptGuard
{
    private const int TicksPerClockRead = 64;
    private static long _deadline = long.MaxValue;
    private static int _ticks;
    private const int NotTripped = -1;
    private static volatile int _tripped = NotTripped;

    /// <summary>A loop back-edge: checks the time budget (the clock is read every few ticks) and a tripped guard.</summary>
    public static void Tick()
    {
        if (_tripped != NotTripped)
        {
            throw new ScriptLimitException((LimitKind)_tripped);
        }

        if (++_ticks % TicksPerClockRead == 0 && Stopwatch.GetTimestamp() > _deadline)
        {
            Trip(LimitKind.Time);
        }
    }

    /// <summary>A method entry: <see cref="Tick"/> plus a check that enough stack is left for the method.</summary>
    public static void Enter()
    {
        Tick();
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Trip(LimitKind.Stack);
        }
    }

    /// <summary>The filter of every script <c>catch</c>: false once the guard has tripped.</summary>
    public static bool CanCatch() => _tripped == NotTripped;

    /// <summary>How many checks guarded code has made in this run (it moves while any script code runs).</summary>
    internal static int Ticks => Volatile.Read(ref _ticks);

    /// <summary>Starts a run with a fresh time budget.</summary>
    internal static void Begin(TimeSpan budget)
    {
        _ticks = 0;
        _deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        _tripped = NotTripped;
    }

    /// <summary>Ends a run: returns the limit it breached, if any, and trips the guard so code left running stops.</summary>
    internal static LimitKind? End()
    {
        var reason = Interlocked.Exchange(ref _tripped, (int)LimitKind.Time);
        return reason == NotTripped ? null : (LimitKind)reason;
    }

    /// <summary>Trips the guard for <paramref name="limit"/> (time, stack, output) and throws.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Trip(LimitKind limit)
    {
        Interlocked.CompareExchange(ref _tripped, (int)limit, NotTripped);
        throw new ScriptLimitException((LimitKind)_tripped);
    }
}

/// <summary>Thrown by <see cref="ScriptGuard"/> when a script breaches a budget; scripts cannot catch it.</summary>
public sealed class ScriptLimitException : Exception
{
    /// <summary>Creates the exception for <paramref name="limit"/>.</summary>
    public ScriptLimitException(LimitKind limit)
        : base($"limit exceeded: {limit.ToString().ToLowerInvariant()}") => Limit = limit;

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException()
        : this(LimitKind.Time)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException(string message)
        : base(message) => Limit = LimitKind.Time;

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException(string message, Exception innerException)
        : base(message, innerException) => Limit = LimitKind.Time;

    /// <summary>Which limit: time, stack or output.</summary>
    public LimitKind Limit { get; }
}
