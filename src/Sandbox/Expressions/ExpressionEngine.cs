using Acornima.Ast;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Native.Symbol;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// One Jint engine prepared for untrusted expressions: no CLR interop, no string compilation, code-generating
/// constructors neutralised, dangerous globals removed, every intrinsic frozen so nothing an evaluation does can be
/// seen by the next. Used by one thread at a time.
/// </summary>
internal sealed class ExpressionEngine : IDisposable
{
    /// <summary>
    /// Runs once per engine, after the realm's intrinsics are hardened and frozen (see the constructor) and before
    /// anything untrusted. Builds what must be script (the secrets proxy's handler and its error class) and returns the
    /// host's helpers, kept out of reach of scripts.
    /// </summary>
    private const string Bootstrap = """
        (function () {
          'use strict';
          const freeze = Object.freeze, defineProperty = Object.defineProperty, getOwnNames = Object.getOwnPropertyNames,
                hasOwn = Object.prototype.hasOwnProperty, ProxyCtor = Proxy, stringify = JSON.stringify, parse = JSON.parse,
                upper = String.prototype.toUpperCase, WeakMapCtor = WeakMap, weakGet = WeakMap.prototype.get, weakSet = WeakMap.prototype.set;

          class SecretAccessError extends Error {}
          defineProperty(SecretAccessError.prototype, 'name', { value: 'SecretAccessError' });
          // Errors the proxy itself threw, with the name asked for: the host trusts these, never a name or class a script can copy.
          const issued = new WeakMapCtor();
          const notAvailable = (name) => { const error = new SecretAccessError('secret is not available to this block'); weakSet.call(issued, error, name); throw error; };
          const issuedName = (error) => weakGet.call(issued, error);
          const readOnly = () => { throw new TypeError('secrets are read-only'); };
          const protocol = ['toJSON', 'then', 'constructor', 'toString', 'valueOf', 'toLocaleString', '__proto__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'];
          const handler = {
            get(target, key) {
              if (typeof key !== 'string') { return undefined; }
              const name = upper.call(key);
              if (hasOwn.call(target, name)) { return target[name]; }
              if (protocol.includes(key)) { return undefined; }
              return notAvailable(name);
            },
            has(target, key) { return typeof key === 'string' && hasOwn.call(target, upper.call(key)); },
            set: readOnly, deleteProperty: readOnly, defineProperty: readOnly, setPrototypeOf: readOnly, preventExtensions() { return true; },
          };
          const makePlainSecrets = function (names, values) {
            const target = Object.create(null);
            for (let i = 0; i < names.length; i++) { defineProperty(target, names[i], { value: values[i], enumerable: true, writable: false, configurable: false }); }
            return freeze(target);
          };
          const makeSecrets = function (names, values) { return new ProxyCtor(makePlainSecrets(names, values), handler); };
          const deepFreeze = function (value) {
            if (value !== null && typeof value === 'object') { for (const key of getOwnNames(value)) { deepFreeze(value[key]); } freeze(value); }
            return value;
          };
          const readJson = function (text) { return text === undefined ? undefined : deepFreeze(parse(text)); };
          const toJson = function (value, replacer) { const text = stringify(value, replacer); return text === undefined ? 'null' : text; };

          // The handler and SecretAccessError are reachable by scripts (a thrown error's prototype and class) and are not
          // intrinsics: the host freezes them with everything they reach.
          return freeze({ makeSecrets, makePlainSecrets, readJson, toJson, issuedName, handler, errorPrototype: SecretAccessError.prototype });
        })()
        """;

    /// <summary>
    /// The bootstrap parsed once per process: every engine runs the same script. Its first parse is Acornima's first
    /// use (the JIT compiles the parser), so it can start on another core while the engine is built (see
    /// <see cref="PrepareBootstrapInBackground"/>); whoever asks first parses, anyone else waits for that parse.
    /// </summary>
    private static readonly Lazy<Prepared<Script>> BootstrapScript = new(
        () => Engine.PrepareScript(Bootstrap, options: new ScriptPreparationOptions { ParsingOptions = new ScriptParsingOptions { Tolerant = false } }),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>1 once <see cref="PrepareBootstrapInBackground"/> has queued the parse.</summary>
    private static int _bootstrapQueued;

    /// <summary>
    /// Starts parsing the bootstrap on the thread pool, once per process: a process that builds its first engine (a
    /// CLI <c>eval</c>) overlaps the parse with the engine's construction. A no-op once the bootstrap is parsed.
    /// </summary>
    public static void PrepareBootstrapInBackground()
    {
        // One work item per process: engines built while it parses wait on the Lazy themselves, not on pool threads.
        if (!BootstrapScript.IsValueCreated && Interlocked.Exchange(ref _bootstrapQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ =>
            {
                try
                {
                    _ = BootstrapScript.Value;
                }
#pragma warning disable CA1031 // Lazy keeps the failure: the engine that needs the bootstrap rethrows it on its own thread.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }, null);
        }
    }

    private readonly DeadlineConstraint _deadline;
    private readonly Engine _engine;
    private readonly BuiltInGuards _guards;
    private readonly Function _makeSecrets;
    private readonly Function _makePlainSecrets;
    private readonly Function _readJson;
    private readonly Function _toJson;
    private readonly Function _issuedName;
    private readonly ClrFunction _dataCheck;
    private readonly ClrFunction _memoryCheck;
    // Prototypes known at bootstrap, before any script ran: what a value is, decided by identity, never by a name.
    private readonly Dictionary<ObjectInstance, string> _notData = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ObjectInstance, string> _errorKinds = new(ReferenceEqualityComparer.Instance);
    // Keyed by the (cached) analysis object itself: no hashing of the source on every evaluation.
    private readonly Dictionary<ExpressionAnalysis, Function> _compiled = new(ReferenceEqualityComparer.Instance);
    private (string[] Names, string[] Values, bool Plain, JsValue Object)? _lastSecrets;
    private string? _notDataFound;

    public ExpressionEngine(ExpressionLimits limits, EvaluationClock? clock = null)
    {
        PrepareBootstrapInBackground();
        _deadline = new DeadlineConstraint(limits.Timeout, limits.WallTimeout, clock ?? EvaluationClock.System);
        _engine = new Engine(options =>
        {
            options.Strict = true;
            options.Interop.Enabled = false;
            options.DisableStringCompilation();
            options.Culture = CultureInfo.InvariantCulture;
            options.TimeZone = TimeZoneInfo.Utc;
            options.Constraint(_deadline);
            options.MaxStatements(limits.MaxStatements);
            options.LimitMemory(limits.MaxMemoryBytes);
            options.LimitRecursion(limits.MaxRecursion);
            options.RegexTimeoutInterval(limits.RegexTimeout);
            options.MaxArraySize(limits.MaxArraySize);
            options.MaxJsonParseDepth(limits.MaxJsonDepth);
            options.Constraints.MaxAtomicsPauseIterations = 0;
            options.Constraints.StackOverflowGuard = true;
        });

        _guards = new BuiltInGuards(_engine, limits);
        _guards.Install(PrototypeOf("String"), PrototypeOf("Array"), _engine.GetValue("JSON").AsObject(), _engine.GetValue("Object").AsObject(), _engine.GetValue("Reflect").AsObject(), PrototypeOf("RegExp"), GlobalSymbolRegistry.Match, _engine.GetValue("Array").AsObject(), PrototypeOf("Function"));
        // Math.random's generator is engine-wide state: how far one evaluation advanced it would be visible to the next.
        _engine.GetValue("Math").AsObject().FastSetProperty("random", new PropertyDescriptor(new ClrFunction(_engine, "random", (_, _) => JsNumber.Create(SecureRandom())), true, false, true));
        _dataCheck = new ClrFunction(_engine, string.Empty, CheckData, 2);
        _memoryCheck = new ClrFunction(_engine, string.Empty, (_, args) =>
        {
            _guards.Reserve(0);
            if (args.Length > 1)
            {
                _guards.CheckSpread(args.At(0));
            }

            return args.At(0);
        }, 1);

        // After the guards, so the accessors hold the guarded built-ins; before the globals such as Function are deleted.
        TameOverrides();

        // The realm's own hardening and its freeze are host code, on this thread, while the bootstrap may still be parsing
        // on another core: only the proxy's handler and its error class wait for it.
        var table = Intrinsics(_engine.Intrinsics);
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        Harden(table);
        Freeze([_engine.Global, .. table.Values], seen);

        var helpers = _engine.Evaluate(BootstrapScript.Value).AsObject();
        _makeSecrets = (Function)helpers.Get("makeSecrets");
        _makePlainSecrets = (Function)helpers.Get("makePlainSecrets");
        _readJson = (Function)helpers.Get("readJson");
        _toJson = (Function)helpers.Get("toJson");
        _issuedName = (Function)helpers.Get("issuedName");
        var errorPrototype = (ObjectInstance)helpers.Get("errorPrototype");
        _errorKinds[errorPrototype] = "SecretAccessError";
        // Already-frozen objects are not walked again: everything they reach was frozen with them.
        Freeze([helpers.Get("handler"), errorPrototype], seen);
    }

    /// <summary>
    /// Takes from the realm what would carry state from one evaluation to the next or generate code, before anything
    /// is frozen, and records the prototypes that say what a value or a thrown error is.
    /// </summary>
    private void Harden(Dictionary<string, JsValue> table)
    {
        ObjectInstance Intrinsic(string name) => table.TryGetValue(name, out var value) && value is ObjectInstance instance
            ? instance
            : throw new InvalidOperationException($"The expression realm could not be built: Jint's table of intrinsics has no {name}.");
        ObjectInstance Prototype(string name) => (ObjectInstance)Intrinsic(name).Get("prototype");
        void Delete(ObjectInstance target, JsValue key)
        {
            if (!target.Delete(key))
            {
                throw new InvalidOperationException($"The expression realm could not be built: {key} could not be deleted.");
            }
        }

        // Code generation: every kind of function reaches its constructor (f.constructor) even once the globals are gone.
        var refuse = new ClrFunction(_engine, "refuse", (_, _) => throw new JavaScriptException(_engine.Intrinsics.TypeError, "code generation is disabled in expressions"), 0);
        var generatorFunction = Prototype("GeneratorFunction");
        var asyncGeneratorFunction = Prototype("AsyncGeneratorFunction");
        foreach (var functionPrototype in new[] { Prototype("Function"), generatorFunction, Prototype("AsyncFunction"), asyncGeneratorFunction })
        {
            if (!functionPrototype.DefineOwnProperty("constructor", new PropertyDescriptor(refuse, writable: false, enumerable: false, configurable: false)))
            {
                throw new InvalidOperationException("The expression realm could not be built: a function prototype's constructor could not be replaced.");
            }
        }

        // RegExp.$1, input, lastMatch... are engine-wide state that would carry a matched secret to the next evaluation.
        var regExp = Intrinsic("RegExp");
        foreach (var name in (string[])["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "input", "$_", "lastMatch", "$&", "lastParen", "$+", "leftContext", "$`", "rightContext", "$'"])
        {
            Delete(regExp, name);
        }

        // The registry of Symbol.for is engine-wide and grows with every name: it outlives evaluations.
        var symbol = Intrinsic("Symbol");
        Delete(symbol, "for");
        Delete(symbol, "keyFor");
        // No BigInt values exist in expressions: one BigInt operation (1n << 2n ** 30n) allocates past any limit.
        var dataView = Prototype("DataView");
        foreach (var name in (string[])["getBigInt64", "getBigUint64", "setBigInt64", "setBigUint64"])
        {
            Delete(dataView, name);
        }

        // Only the globals an expression may name stay; everything else (eval, Function, Atomics, WeakRef, Temporal...) goes.
        foreach (var key in _engine.Global.GetOwnPropertyKeys())
        {
            if (!(key is JsString name && ExpressionAnalysis.AllowedGlobals.Contains(name.ToString())))
            {
                Delete(_engine.Global, key);
            }
        }

        // Prototypes whose instances are not JSON data, for the result check.
        var generator = (ObjectInstance)generatorFunction.Get("prototype");
        var asyncGenerator = (ObjectInstance)asyncGeneratorFunction.Get("prototype");
        _notData[Prototype("Promise")] = "promise";
        _notData[generator] = "generator";
        _notData[asyncGenerator] = "async generator";
        _notData[Intrinsic("ArrayIteratorPrototype").Prototype!] = "iterator";
        _notData[asyncGenerator.Prototype!] = "async iterator";
        foreach (var (constructor, kind) in (ReadOnlySpan<(string, string)>)[("Map", "map"), ("Set", "set"), ("WeakMap", "weakmap"), ("WeakSet", "weakset"), ("ArrayBuffer", "arraybuffer"), ("TypedArray", "typed array"), ("DataView", "dataview"), ("RegExp", "regexp"), ("Error", "error"), ("Symbol", "symbol")])
        {
            _notData[Prototype(constructor)] = kind;
        }

        // What a thrown error is: the intrinsic prototype it was made from (SecretAccessError's is added after the bootstrap).
        foreach (var (constructor, kind) in (ReadOnlySpan<(string, string)>)[("Error", "Error"), ("TypeError", "TypeError"), ("RangeError", "RangeError"), ("SyntaxError", "SyntaxError"), ("ReferenceError", "ReferenceError"), ("EvalError", "EvalError"), ("UriError", "URIError"), ("AggregateError", "AggregateError")])
        {
            _errorKinds[Prototype(constructor)] = kind;
        }
    }

    /// <summary>
    /// Properties of the frozen prototypes that scripts commonly shadow with an assignment (<c>o.toString = ...</c>,
    /// <c>e.name = ...</c>). On a frozen prototype such an assignment throws in strict mode (the "override mistake"),
    /// so, as SES does, each becomes an accessor: reading it gives the original value; assigning it defines an own
    /// property on the receiver and never touches the prototype (assigning on the prototype itself still throws).
    /// </summary>
    private static readonly (string Constructor, string[] Names)[] Overridable =
    [
        ("Object", ["constructor", "toString", "toLocaleString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable"]),
        ("Array", ["toString", "toLocaleString", "join", "push", "concat"]),
        ("Function", ["toString", "bind", "call", "apply"]),
        ("Promise", ["constructor", "then"]),
        ("Error", ["constructor", "toString", "name", "message"]),
        ("TypeError", ["constructor", "name", "message"]),
        ("RangeError", ["constructor", "name", "message"]),
        ("SyntaxError", ["constructor", "name", "message"]),
        ("ReferenceError", ["constructor", "name", "message"]),
        ("EvalError", ["constructor", "name", "message"]),
        ("URIError", ["constructor", "name", "message"]),
        ("AggregateError", ["constructor", "name", "message"]),
    ];

    /// <summary>Turns the <see cref="Overridable"/> data properties into accessors; runs before the realm is frozen, which then freezes the accessors' functions too.</summary>
    private void TameOverrides()
    {
        foreach (var (constructor, names) in Overridable)
        {
            var prototype = PrototypeOf(constructor);
            foreach (var name in names)
            {
                var key = new JsString(name);
                var descriptor = prototype.GetOwnProperty(key);
                if (!descriptor.IsDataDescriptor() || !descriptor.Configurable)
                {
                    continue;
                }

                var value = descriptor.Value;
                var getter = new ClrFunction(_engine, "get " + name, (_, _) => value, 0);
                var setter = new ClrFunction(_engine, "set " + name, (self, args) =>
                {
                    if (ReferenceEquals(self, prototype) || self is not ObjectInstance receiver)
                    {
                        throw new JavaScriptException(_engine.Intrinsics.TypeError, $"Cannot assign to read only property '{name}' of {constructor}.prototype");
                    }

                    var own = receiver.GetOwnProperty(key);
                    var done = own == PropertyDescriptor.Undefined
                        ? receiver.DefineOwnProperty(key, new PropertyDescriptor(args.At(0), writable: true, enumerable: true, configurable: true))
                        : receiver.Set(key, args.At(0), receiver);
                    if (!done)
                    {
                        throw new JavaScriptException(_engine.Intrinsics.TypeError, $"Cannot assign to read only property '{name}' of object");
                    }

                    return JsValue.Undefined;
                }, 1);
                prototype.DefineOwnProperty(key, new GetSetPropertyDescriptor(getter, setter, descriptor.Enumerable, configurable: true));
            }
        }
    }

    /// <summary>
    /// Freezes every object reachable from <paramref name="roots"/> (the global object, every object in the engine's
    /// table of intrinsics, then the bootstrap's own objects), through property values, accessor functions and
    /// prototypes, except those in <paramref name="seen"/>, which an earlier walk froze with all they reach. Walked here
    /// rather than in script: a thousand objects cost a fraction of the interpreter's time.
    /// </summary>
    private static void Freeze(IEnumerable<JsValue> roots, HashSet<ObjectInstance> seen)
    {
        var work = new Stack<JsValue>(roots);
        while (work.Count > 0)
        {
            if (work.Pop() is not ObjectInstance value || !seen.Add(value))
            {
                continue;
            }

            // Object.freeze's own steps (SetIntegrityLevel frozen), without a script call per object.
            var frozen = value.PreventExtensions();
            foreach (var key in value.GetOwnPropertyKeys())
            {
                var descriptor = value.GetOwnProperty(key);
                if (descriptor.IsDataDescriptor())
                {
                    work.Push(descriptor.Value);
                    frozen &= value.DefineOwnProperty(key, new PropertyDescriptor(descriptor.Value, writable: false, enumerable: descriptor.Enumerable, configurable: false));
                }
                else
                {
                    work.Push(descriptor.Get ?? JsValue.Undefined);
                    work.Push(descriptor.Set ?? JsValue.Undefined);
                    frozen &= value.DefineOwnProperty(key, new GetSetPropertyDescriptor(descriptor.Get, descriptor.Set, descriptor.Enumerable, configurable: false));
                }
            }

            if (!frozen)
            {
                throw new InvalidOperationException($"The expression realm could not be frozen: a {value.GetType().Name} refused.");
            }

            work.Push(value.Prototype ?? JsValue.Undefined);
        }
    }

    /// <summary>
    /// Every object in the engine's table of intrinsics by member name (properties and fields, public or not, lazily
    /// created ones included): some are reachable only through instances or internal paths, and a newer Jint may add more.
    /// </summary>
    private static Dictionary<string, JsValue> Intrinsics(Intrinsics table)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var type = table.GetType();
        var found = new Dictionary<string, JsValue>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(all))
        {
            if (property.GetIndexParameters().Length == 0 && typeof(JsValue).IsAssignableFrom(property.PropertyType) && property.GetValue(table) is JsValue value)
            {
                found[property.Name] = value;
            }
        }

        foreach (var field in type.GetFields(all))
        {
            if (typeof(JsValue).IsAssignableFrom(field.FieldType) && field.GetValue(table) is JsValue value)
            {
                found[field.Name] = value;
            }
        }

        return found;
    }

    private ObjectInstance PrototypeOf(string constructor) => _engine.GetValue(constructor).AsObject().Get("prototype").AsObject();

    /// <summary>True once the engine has run anything (the host's warm-up run or an evaluation): the JIT has compiled its paths.</summary>
    public bool IsWarm { get; private set; }

    /// <summary>The Jint engine (for the realm-graph test).</summary>
    internal Engine Jint => _engine;

    /// <summary>
    /// Runs the wrapped expression. Only the expression's own execution is timed (from the call of its function to
    /// its result as data, pending jobs included); compiling and converting the inputs are host set-up.
    /// </summary>
    /// <param name="analysis">The expression's analysis; it holds the source as <see cref="ExpressionAnalysis.Wrap"/> made it.</param>
    /// <param name="names">Secret names the expression may read.</param>
    /// <param name="values">Their values, in the same order.</param>
    /// <param name="plain">True when a frozen object may stand in for the proxy (see <see cref="ExpressionAnalysis.ReadsSecretsByNameOnly"/>).</param>
    /// <param name="nodesJson">Earlier nodes' outputs as JSON, or null.</param>
    /// <param name="inputsJson">The run's inputs as JSON, or null.</param>
    /// <param name="timed">False for the host's own warm-up run, which no budget applies to.</param>
    public EngineResult Run(ExpressionAnalysis analysis, IReadOnlyList<string> names, IReadOnlyList<string> values, bool plain, string? nodesJson, string? inputsJson, bool timed = true)
    {
        if (!_compiled.TryGetValue(analysis, out var function))
        {
            function = (Function)_engine.Evaluate(Engine.PrepareScript(analysis.Wrapped, options: new ScriptPreparationOptions { ParsingOptions = new ScriptParsingOptions { Tolerant = false } }));
            if (_compiled.Count > 256)
            {
                _compiled.Clear();
            }

            _compiled[analysis] = function;
        }

        var secrets = Secrets(names, values, plain);
        var nodes = nodesJson is null ? JsValue.Undefined : _engine.Call(_readJson, new JsString(nodesJson));
        var inputs = inputsJson is null ? JsValue.Undefined : _engine.Call(_readJson, new JsString(inputsJson));
        if (timed)
        {
            _deadline.Arm();
        }

        _guards.Arm();
        try
        {
            // Jobs the expression queued (promise reactions, async functions, also from a toJSON or getter run while
            // converting the result, or before it threw) run now, inside its budget: none is left for the next
            // evaluation. One that trips a limit ends this evaluation, and the engine is discarded.
            EngineResult data;
            try
            {
                data = ToData(_engine.Call(function, JsValue.Undefined, [secrets, nodes, inputs, _memoryCheck]));
            }
            catch (JavaScriptException)
            {
                _engine.Advanced.ProcessTasks();
                throw;
            }

            _engine.Advanced.ProcessTasks();
            return data;
        }
        finally
        {
            _deadline.Disarm();
            IsWarm = true;
        }
    }

    private EngineResult ToData(JsValue result)
    {
        switch (result)
        {
            case JsString text:
                return new EngineResult(text.ToString(), EngineResultKind.String);
            case JsBoolean flag:
                return new EngineResult(flag.AsBoolean() ? "true" : "false", EngineResultKind.Json);
            case JsNull:
                return new EngineResult("null", EngineResultKind.Json);
            case JsUndefined:
                return new EngineResult("undefined", EngineResultKind.Undefined);
        }

        _notDataFound = null;
        var json = _engine.Call(_toJson, JsValue.Undefined, [result, _dataCheck]).AsString();
        return _notDataFound is { } kind ? new EngineResult(kind, EngineResultKind.NotData) : new EngineResult(json, EngineResultKind.Json);
    }

    /// <summary>The replacer of the result conversion: notes the first value that is not JSON data, and what it is.</summary>
    private JsValue CheckData(JsValue holder, JsValue[] args)
    {
        var value = args.At(1);
        if (_notDataFound is null && DataKind(value) is { } kind)
        {
            _notDataFound = kind;
        }

        return value;
    }

    private string? DataKind(JsValue value)
    {
        if (value.IsCallable())
        {
            return "function";
        }

        if (value is JsSymbol)
        {
            return "symbol";
        }

        if (value is JsBigInt)
        {
            return "bigint";
        }

        if (value is not ObjectInstance obj || value is JsArray)
        {
            return null;
        }

        // A prototype chain can be made as long as a script likes, but each step is ordinary and a limit applies.
        for (var proto = obj.Prototype; proto is not null; proto = proto.Prototype)
        {
            if (_notData.TryGetValue(proto, out var kind))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>
    /// What a thrown value is, from the engine's own knowledge: the intrinsic error prototype it was made from
    /// (never its <c>name</c> or <c>constructor</c>, which a script can set), and for the secrets proxy's own error,
    /// the name it was asked for.
    /// </summary>
    public ThrownValue Describe(JavaScriptException exception)
    {
        var error = exception.Error;
        if (error is not JsError jsError)
        {
            return new ThrownValue("thrown value", null, null);
        }

        var proto = jsError.Prototype;
        var kind = proto is not null && _errorKinds.TryGetValue(proto, out var k) ? k : "Error";
        if (kind == "SecretAccessError")
        {
            var asked = _engine.Invoke(_issuedName, error);
            return asked.IsString() ? new ThrownValue(kind, null, asked.ToString()) : new ThrownValue("Error", null, null);
        }

        // Own data properties only: a getter would run script code after the limits are disarmed.
        var message = jsError.GetOwnProperty("message") is { Value: JsString text } descriptor && descriptor.IsDataDescriptor() ? text.ToString() : null;
        return new ThrownValue(kind, message, null);
    }

    private static double SecureRandom()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// The <c>secrets</c> object for these names and values: the proxy, or (when <paramref name="plain"/>) a frozen
    /// object. Both are frozen, so the one built for the previous evaluation is reused when it held exactly the same
    /// names and values (a workflow's nodes often do).
    /// </summary>
    private JsValue Secrets(IReadOnlyList<string> names, IReadOnlyList<string> values, bool plain)
    {
        if (_lastSecrets is { } last && last.Plain == plain && Same(last.Names, names) && Same(last.Values, values))
        {
            return last.Object;
        }

        var nameArray = new JsArray(_engine, names.Select(n => (JsValue)new JsString(n)).ToArray());
        var valueArray = new JsArray(_engine, values.Select(v => (JsValue)new JsString(v)).ToArray());
        var secrets = _engine.Invoke(plain ? _makePlainSecrets : _makeSecrets, nameArray, valueArray);
        _lastSecrets = (names.ToArray(), values.ToArray(), plain, secrets);
        return secrets;
    }

    public void Dispose() => _engine.Dispose();

    private static bool Same(string[] kept, IReadOnlyList<string> given)
    {
        if (kept.Length != given.Count)
        {
            return false;
        }

        for (var i = 0; i < kept.Length; i++)
        {
            if (!string.Equals(kept[i], given[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>What an evaluation returned: a JavaScript string as it is, JSON text, undefined, or the kind of a value that is not data.</summary>
/// <param name="Text">The string, the JSON text, or the kind (<c>function</c>, <c>promise</c>...).</param>
/// <param name="Kind">How to read <paramref name="Text"/>.</param>
internal readonly record struct EngineResult(string Text, EngineResultKind Kind);

/// <summary>How to read an <see cref="EngineResult"/>.</summary>
internal enum EngineResultKind
{
    /// <summary>A JavaScript string.</summary>
    String,

    /// <summary>JSON text.</summary>
    Json,

    /// <summary>The expression returned undefined.</summary>
    Undefined,

    /// <summary>A value that is not JSON data; the text says what it is.</summary>
    NotData,
}

/// <summary>A value a script threw, as the engine knows it.</summary>
/// <param name="Kind">The intrinsic error type it was made from (<c>TypeError</c>...), <c>Error</c> for other errors, or <c>thrown value</c>.</param>
/// <param name="Message">Its own message, when it is an error with a plain string message.</param>
/// <param name="SecretName">For the secrets proxy's own error, the name that was asked for.</param>
internal sealed record ThrownValue(string Kind, string? Message, string? SecretName);
