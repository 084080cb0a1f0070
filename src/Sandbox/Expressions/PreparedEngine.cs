namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// An expression engine built on a thread of its own while the process does other work, for a process whose first
/// evaluation is its critical path (the CLI's <c>eval</c>): building and freezing the realm, with the runtime's work
/// that comes with it, then overlaps argument parsing, the expression's analysis and its script's preparation on the
/// other core. It is handed out once, and only to an evaluator with the same limits and clock; an evaluator that gets
/// nothing (different limits, or the build failed) builds its own engine on its own thread, where a real failure
/// surfaces as it always did.
/// </summary>
internal sealed class PreparedEngine
{
    /// <summary>The process's prepared engine until an evaluator takes it.</summary>
    private static PreparedEngine? _forProcess;

    /// <summary>1 once <see cref="StartForProcess"/> has run: one prepared engine per process, at most.</summary>
    private static int _startedForProcess;

    private readonly ExpressionLimits _limits;
    private readonly EvaluationClock _clock;
    private readonly Task<ExpressionEngine> _build;
    private int _taken;

    /// <summary>Starts <paramref name="build"/> on a background thread of its own (it never keeps the process alive).</summary>
    /// <param name="limits">The limits the built engine enforces.</param>
    /// <param name="clock">The clock the built engine's time limit reads.</param>
    /// <param name="build">Builds the engine with exactly <paramref name="limits"/> and <paramref name="clock"/>.</param>
    internal PreparedEngine(ExpressionLimits limits, EvaluationClock clock, Func<ExpressionEngine> build)
    {
        _limits = limits;
        _clock = clock;
        // Not the thread pool: the caller's own continuations may need a pool thread while this one builds.
        _build = Task.Factory.StartNew(build, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Starts building this process's first engine, with the default limits and the system clock. Does nothing after the
    /// first call. (No parser warm-up beside it: the tool ships the parser precompiled, and the evaluating thread parses
    /// its own expression while it waits, see <see cref="ExpressionEvaluator"/>.)
    /// </summary>
    public static void StartForProcess()
    {
        if (Interlocked.Exchange(ref _startedForProcess, 1) != 0)
        {
            return;
        }

        var limits = new ExpressionLimits().Validate();
        Volatile.Write(ref _forProcess, new PreparedEngine(limits, EvaluationClock.System, () => new ExpressionEngine(limits, EvaluationClock.System)));
    }

    /// <summary>Takes this process's prepared engine, if one was started and nobody took it yet.</summary>
    public static PreparedEngine? TakeForProcess() => Interlocked.Exchange(ref _forProcess, null);

    /// <summary>True once the build has ended (built or failed).</summary>
    public bool IsBuilt => _build.IsCompleted;

    /// <summary>True when this engine is built with exactly <paramref name="limits"/> and <paramref name="clock"/> (it may still be building, or taken).</summary>
    public bool IsFor(ExpressionLimits limits, EvaluationClock clock) => limits == _limits && ReferenceEquals(clock, _clock);

    /// <summary>
    /// The built engine (waiting for its build if need be) when <paramref name="limits"/> and <paramref name="clock"/>
    /// are the ones it was built with; otherwise, on a second call, or when the build failed, null.
    /// </summary>
    public ExpressionEngine? Take(ExpressionLimits limits, EvaluationClock clock)
    {
        if (!IsFor(limits, clock))
        {
            // Never used: an engine with other limits must not serve this evaluator.
            Discard();
            return null;
        }

        if (Interlocked.Exchange(ref _taken, 1) != 0)
        {
            return null;
        }

        try
        {
            return _build.GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // The caller builds its own engine instead, on its own thread: a failure that is real throws there.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Gives the engine up untaken: it is disposed once built (at once if it is). Nothing after the first take or discard.</summary>
    public void Discard()
    {
        if (Interlocked.Exchange(ref _taken, 1) != 0)
        {
            return;
        }

        _ = _build.ContinueWith(static build =>
        {
            if (build.IsCompletedSuccessfully)
            {
                build.Result.Dispose();
            }
            else
            {
                _ = build.Exception;
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }
}
