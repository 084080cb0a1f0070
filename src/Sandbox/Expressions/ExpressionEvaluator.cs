using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima.Ast;
using Jint;
using Jint.Runtime;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// Evaluates untrusted JavaScript expressions on Jint: strict mode, no host objects, hard limits, nothing shared
/// between evaluations. An expression sees only the secrets it references (or an explicit allow-list). Thread-safe:
/// each evaluation takes an engine from a pool.
/// </summary>
internal sealed partial class ExpressionEvaluator : IDisposable
{
    private readonly ExpressionLimits _limits;
    private readonly SecretRedactor? _redactor;
    // A plain stack under a lock: uncontended, it costs a fraction of a ConcurrentBag's thread-local bookkeeping.
    private readonly Stack<ExpressionEngine> _pool = new();
    // One engine outside the lock: a single-threaded caller takes and returns it with one atomic exchange each.
    private ExpressionEngine? _ready;
    private readonly Lock _poolLock = new();
    private Task? _warming;
    // Keyed by the string alone, one cache per kind: string keys use the framework's precompiled shared code, where a
    // (string, bool) key made the JIT compile 15 ConcurrentDictionary methods in every process that evaluates.
    private readonly ConcurrentDictionary<string, ExpressionAnalysis> _analyses = new();
    private readonly ConcurrentDictionary<string, ExpressionAnalysis> _templateAnalyses = new();
    private readonly EvaluationClock _clock;
    private ExpressionAnalysis? _lastAnalysis;
    // An engine built on another thread for this evaluator's first engine (tests); otherwise the process's, if any.
    private PreparedEngine? _prepared;

    /// <summary>Creates an evaluator; by default it builds one engine now, so the first evaluation does not wait for one.</summary>
    /// <param name="limits">The limits; defaults are safe.</param>
    /// <param name="redactor">A shared redactor that also masks errors (the evaluation's own secrets are always masked).</param>
    /// <param name="prewarm">False to leave warming to <see cref="Prewarm"/> (or the first evaluation), for hosts that may never evaluate.</param>
    public ExpressionEvaluator(ExpressionLimits? limits = null, SecretRedactor? redactor = null, bool prewarm = true)
        : this(limits, redactor, prewarm, EvaluationClock.System)
    {
    }

    /// <summary>Creates an evaluator whose time limit reads <paramref name="clock"/>, and whose first engine may be <paramref name="prepared"/>'s (tests).</summary>
    internal ExpressionEvaluator(ExpressionLimits? limits, SecretRedactor? redactor, bool prewarm, EvaluationClock clock, PreparedEngine? prepared = null)
    {
        _limits = (limits ?? new ExpressionLimits()).Validate();
        _redactor = redactor;
        _clock = clock;
        _prepared = prepared;
        if (prewarm)
        {
            // An engine already being built for this evaluator (the process's, for a CLI eval) is taken by the first
            // evaluation, not waited for here: the caller's own work until then (opening the store, resolving, the
            // expression's analysis) overlaps its build.
            _prepared ??= PreparedEngine.TakeForProcess();
            if (_prepared?.IsFor(_limits, _clock) != true)
            {
                // Only the engine: its warm-up run waits until an evaluation needs it (see NewEngine).
                PrewarmEngine(warmUp: false);
            }
        }
    }

    /// <summary>
    /// Starts <see cref="Prewarm"/> on the thread pool; an evaluation that finds the pool empty meanwhile waits for it
    /// rather than building a second engine beside it.
    /// </summary>
    public void PrewarmInBackground()
    {
        lock (_poolLock)
        {
            if (_pool.Count > 0 || Volatile.Read(ref _ready) is not null || _warming is { IsCompleted: false })
            {
                return;
            }

            _warming = Task.Run(() => PrewarmEngine(warmUp: true));
        }
    }

    /// <summary>
    /// Starts building the process's first engine (default limits) on a thread of its own, for a process about to
    /// evaluate once (a CLI <c>eval</c>): it then overlaps the caller's own work, and the first evaluator with the
    /// default limits takes that engine.
    /// </summary>
    public static void PrepareInBackground() => PreparedEngine.StartForProcess();

    /// <summary>Makes sure one engine is ready in the pool (its first creation also compiles Jint's hot paths).</summary>
    public void Prewarm() => PrewarmEngine(warmUp: true);

    private void PrewarmEngine(bool warmUp)
    {
        if (PooledEngines > 0)
        {
            return;
        }

        Return(NewEngine(warmUp));
    }

    /// <summary>
    /// A new engine; with <paramref name="warmUp"/>, run once through every step of an evaluation (compile, secrets
    /// proxy, inputs, result as data) so that the JIT compiles those paths here, outside any expression's budget.
    /// Without it (a process that evaluates once, such as <c>eval</c>), a first evaluation that the JIT's work takes
    /// past the time limit runs again on a warmed engine.
    /// </summary>
    private ExpressionEngine NewEngine(bool warmUp)
    {
        var prepared = Interlocked.Exchange(ref _prepared, null) ?? PreparedEngine.TakeForProcess();
        var engine = prepared?.Take(_limits, _clock) ?? new ExpressionEngine(_limits, _clock);
        if (warmUp)
        {
            engine.Run(WarmUp, ["A"], ["a"], plain: false, "{}", "{\"n\":1}", timed: false);
        }

        return engine;
    }

    private static readonly ExpressionAnalysis WarmUp = ExpressionAnalysis.Analyze("[`${secrets.A}`, inputs.n + 1, JSON.stringify({ a: [1] }), 'x'.repeat(2)].map((x) => x).join()");

    /// <summary>The limits in force.</summary>
    public ExpressionLimits Limits => _limits;

    /// <summary>The names <paramref name="expression"/> reads from <c>secrets</c> statically, upper-cased.</summary>
    public static IReadOnlySet<string> FindSecretReferences(string expression, bool isTemplate = false) =>
        ExpressionAnalysis.Analyze(expression, isTemplate).Secrets;

    /// <summary>Evaluates one expression.</summary>
    public ExpressionResult Evaluate(ExpressionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The same string as last time needs no hashing; otherwise the cache is read first (ConcurrentDictionary.Count takes every lock).
        var analysis = _lastAnalysis;
        if (analysis is null || !analysis.IsOf(request.Expression, request.IsTemplate))
        {
            var analyses = request.IsTemplate ? _templateAnalyses : _analyses;
            if (!analyses.TryGetValue(request.Expression, out analysis))
            {
                analysis = ExpressionAnalysis.Analyze(request.Expression, request.IsTemplate, _limits);
                if (analyses.Count < 1024)
                {
                    analyses.TryAdd(request.Expression, analysis);
                }
            }

            if (analysis.Rejection is null)
            {
                _lastAnalysis = analysis;
            }
        }

        if (analysis.Rejection is not null)
        {
            return analysis.RejectionLimit is { } limit ? ExpressionErrors.Limited(limit, analysis.Rejection) : ExpressionErrors.Rejected(analysis.Rejection);
        }

        var (names, values) = Pick(request, analysis);
        var engine = Take() ?? WarmedEngine();
        Prepared<Script>? script = null;
        if (engine is null)
        {
            script = PrepareWhileEngineBuilds(analysis);
            engine = NewEngine(warmUp: false);
        }

        var cold = !engine.IsWarm;
        var result = Run(engine, request, analysis, names, values, script);
        if (cold && result.Status == ExpressionStatus.Limited && result.Error == TimeLimit)
        {
            // A cold engine's first run also compiles Jint's paths (JIT) on this thread, inside the budget: an expression
            // has no effect outside its engine, so it runs once more on an engine warmed up outside any budget.
            result = Run(NewEngine(warmUp: true), request, analysis, names, values);
        }

        return result;
    }

    private const string TimeLimit = "limit exceeded: time";

    /// <summary>
    /// While this evaluator's prepared engine is still building on its own thread (a CLI eval's), this thread parses and
    /// prepares the script of the evaluation that engine will run first, instead of waiting idle. The script serves that
    /// one engine once and is never kept: an engine compiles and caches its own from its own preparation.
    /// </summary>
    private Prepared<Script>? PrepareWhileEngineBuilds(ExpressionAnalysis analysis)
    {
        if (Volatile.Read(ref _prepared) is not { IsBuilt: false } prepared || !prepared.IsFor(_limits, _clock))
        {
            return null;
        }

        try
        {
            return ExpressionEngine.Prepare(analysis);
        }
#pragma warning disable CA1031 // Only work done early: the engine's own preparation meets and reports the same failure.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Runs the expression on <paramref name="engine"/>, which goes back to the pool unless a limit interrupted it.</summary>
    private ExpressionResult Run(ExpressionEngine engine, ExpressionRequest request, ExpressionAnalysis analysis, string[] names, string[] values, Prepared<Script>? script = null)
    {
        var reusable = false;
        try
        {
            var plain = request.AllowedSecrets is null && analysis.ReadsSecretsByNameOnly && names.Length == analysis.Secrets.Count;
            var (text, kind) = engine.Run(analysis, names, values, plain, NodesFor(request.Nodes, analysis), analysis.UsesInputs ? request.Inputs?.ToJsonString() : null, script: script);
            reusable = true;
            switch (kind)
            {
                case EngineResultKind.NotData:
                    return new ExpressionResult(ExpressionStatus.Error, null, $"result is not data: {text}", false);
                case EngineResultKind.Undefined:
                    return new ExpressionResult(ExpressionStatus.Ok, null, null, false) { IsUndefined = true };
            }

            if (text.Length > _limits.MaxResultLength)
            {
                return ExpressionErrors.Limited(LimitKind.Result, $"limit exceeded: result size ({text.Length} > {_limits.MaxResultLength} characters)");
            }

            var value = kind == EngineResultKind.Json ? JsonNode.Parse(text) : JsonValue.Create(text);
            // Raw values are checked directly; encoded forms through the shared redactor, where hosts register every value.
            var sensitive = ContainsAny(text, values) || _redactor?.ContainsSecret(text) == true;
            return new ExpressionResult(ExpressionStatus.Ok, value, null, sensitive);
        }
        catch (JavaScriptException ex)
        {
            var thrown = engine.Describe(ex);
            if (IsStackOverflow(thrown))
            {
                return ExpressionErrors.Limited(LimitKind.Stack, "limit exceeded: stack");
            }

            reusable = true;
            return new ExpressionResult(ExpressionStatus.Error, null, Mask(ScriptError(thrown, ex, analysis, request, names.Length > 0), names, values), false);
        }
        catch (Exception ex) when (LimitOf(ex) is { } limit)
        {
            return ExpressionErrors.Limited(limit, $"limit exceeded: {(limit == LimitKind.Regex ? "regex time" : limit.ToText())}");
        }
        catch (Exception ex) when (ex is Jint.JintException or InvalidOperationException or ArgumentException or JsonException or ArithmeticException or IndexOutOfRangeException)
        {
            // A failure inside the engine: say what kind, never the text it was built from.
            return new ExpressionResult(ExpressionStatus.Error, null, $"expression failed: {ex.GetType().Name}", false);
        }
        finally
        {
            if (reusable)
            {
                Return(engine);
            }
            else
            {
                // An engine interrupted by a limit may hold half-finished state: never reuse it.
                engine.Dispose();
            }
        }
    }

    /// <summary>
    /// Deny by default: the names and values of the secrets the expression references statically (or the explicit
    /// allow-list) that the request actually holds, names upper-cased.
    /// </summary>
    private static (string[] Names, string[] Values) Pick(ExpressionRequest request, ExpressionAnalysis analysis)
    {
        IReadOnlySet<string> allowed;
        string[] wanted;
        if (request.AllowedSecrets is null)
        {
            allowed = analysis.Secrets;
            wanted = analysis.SecretList;
        }
        else
        {
            var set = request.AllowedSecrets.Select(n => n.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
            allowed = set;
            wanted = [.. set];
        }

        if (wanted.Length == 0)
        {
            return ([], []);
        }

        var names = new string[wanted.Length];
        var values = new string[wanted.Length];
        var count = 0;
        foreach (var name in wanted)
        {
            // Names are usually given upper-case: one lookup each; otherwise every given name is compared below.
            if (request.Secrets.TryGetValue(name, out var value))
            {
                names[count] = name;
                values[count++] = value;
            }
        }

        if (count < wanted.Length && count < request.Secrets.Count)
        {
            foreach (var (name, value) in request.Secrets)
            {
                var upper = IsUpper(name) ? name : name.ToUpperInvariant();
                if (count < names.Length && !ReferenceEquals(upper, name) && allowed.Contains(upper) && Array.IndexOf(names, upper, 0, count) < 0)
                {
                    names[count] = upper;
                    values[count++] = value;
                }
            }
        }

        if (count < names.Length)
        {
            Array.Resize(ref names, count);
            Array.Resize(ref values, count);
        }

        return (names, values);
    }

    /// <summary>Only the outputs the expression names (<c>nodes.ID</c>) reach it, unless it reads <c>nodes</c> dynamically.</summary>
    private static string? NodesFor(JsonNode? nodes, ExpressionAnalysis analysis)
    {
        if (nodes is not JsonObject all || analysis.ReadsNodesDynamically)
        {
            return nodes?.ToJsonString();
        }

        if (analysis.Nodes.Count == 0)
        {
            // The expression never names nodes: nothing to convert.
            return null;
        }

        var picked = new JsonObject();
        foreach (var id in analysis.Nodes)
        {
            if (all.TryGetPropertyValue(id, out var value))
            {
                picked[id] = value?.DeepClone();
            }
        }

        return picked.ToJsonString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Interlocked.Exchange(ref _prepared, null)?.Discard();
        while (Take() is { } engine)
        {
            engine.Dispose();
        }
    }

    /// <summary>Engines waiting in the pool (for tests).</summary>
    internal int PooledEngines
    {
        get
        {
            lock (_poolLock)
            {
                return _pool.Count + (Volatile.Read(ref _ready) is null ? 0 : 1);
            }
        }
    }

    /// <summary>The engine a background warm-up is building, once it is built; null when none is in flight.</summary>
    private ExpressionEngine? WarmedEngine()
    {
        Task? warming;
        lock (_poolLock)
        {
            warming = _warming;
        }

        if (warming is null || warming.IsCompleted)
        {
            return null;
        }

        warming.Wait();
        return Take();
    }

    private ExpressionEngine? Take()
    {
        if (Interlocked.Exchange(ref _ready, null) is { } ready)
        {
            return ready;
        }

        lock (_poolLock)
        {
            return _pool.TryPop(out var engine) ? engine : null;
        }
    }

    private void Return(ExpressionEngine engine)
    {
        if (Interlocked.CompareExchange(ref _ready, engine, null) is null)
        {
            return;
        }

        lock (_poolLock)
        {
            _pool.Push(engine);
        }
    }

    private string Mask(string message, string[] names, string[] values)
    {
        // Errors are rare: only here is a redactor with every encoded form of this evaluation's values built.
        var masker = new SecretRedactor(_redactor?.Options);
        for (var i = 0; i < names.Length; i++)
        {
            masker.Add(values[i], names[i]);
        }

        var masked = masker.Redact(message);
        return _redactor is null ? masked : _redactor.Redact(masked);
    }

    /// <summary>
    /// The error as the caller sees it. The kind comes from the engine (see <see cref="ExpressionEngine.Describe"/>);
    /// only the secrets proxy's own error keeps a message, and it names the secret only when that name is written
    /// in the expression or is one the host resolved (never a name a script computed, which could spell a value).
    /// </summary>
    private static string ScriptError(ThrownValue thrown, JavaScriptException ex, ExpressionAnalysis analysis, ExpressionRequest request, bool readSecrets)
    {
        if (thrown.SecretName is { } asked)
        {
            var known = analysis.Secrets.Contains(asked) || request.Secrets.Keys.Any(k => string.Equals(k, asked, StringComparison.OrdinalIgnoreCase));
            return known ? $"secret {asked} is not available to this block" : "a secret whose name is not written in the expression is not available to this block";
        }

        var where = ErrorPosition(ex, analysis, readSecrets) is { } at ? $" at line {at.Line}, column {at.Column}" : string.Empty;
        // Once secrets are in play, a message the engine built from a value might quote one: keep the kind and place only.
        return readSecrets || thrown.Message is null ? $"{thrown.Kind}{where}" : $"{thrown.Kind}{where}: {thrown.Message}";
    }

    /// <summary>
    /// Where in the expression as typed the error arose: the engine's location, or (for an error a built-in threw, which
    /// Jint places at the wrapper) the innermost call site in the expression on the script's call stack. The call
    /// stack text can come from an error's own <c>stack</c> property, which a script sets: it is read only when the
    /// evaluation holds no secrets, so a position never spells a value.
    /// </summary>
    private static (int Line, int Column)? ErrorPosition(JavaScriptException ex, ExpressionAnalysis analysis, bool readSecrets)
    {
        if (analysis.UserPosition(ex.Location.Start.Line, ex.Location.Start.Column) is { } direct)
        {
            return direct;
        }

        if (readSecrets)
        {
            return null;
        }

        foreach (Match frame in StackFrame().Matches(ex.JavaScriptStackTrace ?? string.Empty))
        {
            if (int.TryParse(frame.Groups[1].ValueSpan, out var line) && int.TryParse(frame.Groups[2].ValueSpan, out var column)
                && analysis.UserPosition(line, column - 1) is { } call)
            {
                return call;
            }
        }

        return null;
    }

    [GeneratedRegex(@"<anonymous>:(\d+):(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();

    private static bool ContainsAny(string text, string[] values)
    {
        foreach (var value in values)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUpper(string name)
    {
        foreach (var c in name)
        {
            if (char.IsLower(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsStackOverflow(ThrownValue thrown) =>
        thrown.Kind == "RangeError" && thrown.Message is { } message
        && (message.Contains("call stack", StringComparison.OrdinalIgnoreCase) || message.Contains("recursion", StringComparison.OrdinalIgnoreCase));

    private static LimitKind? LimitOf(Exception ex) => ex switch
    {
        RegexMatchTimeoutException => LimitKind.Regex,
        TimeoutException or ExecutionCanceledException => LimitKind.Time,
        StatementsCountOverflowException => LimitKind.Statements,
        MemoryLimitExceededException => LimitKind.Memory,
        RecursionDepthOverflowException => LimitKind.Recursion,
        _ when ex is InsufficientExecutionStackException || ex.GetType().Name.Contains("StackOverflow", StringComparison.Ordinal) => LimitKind.Stack,
        _ => null,
    };
}
