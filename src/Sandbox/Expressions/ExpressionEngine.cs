using Acornima.Ast;
using System.Globalization;
using System.Runtime.CompilerServices;
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
    /// <summary>What the secrets proxy's handler and its error say.</summary>
    private const string NotAvailable = "secret is not available to this block";

    /// <summary>
    /// Keys the proxy answers undefined for instead of throwing: JSON, promises and conversions probe them. A pattern,
    /// not a static set: nothing to initialise on the thread that starts a CLI eval's engine.
    /// </summary>
    private static bool IsProtocolKey(string key) =>
        key is "toJSON" or "then" or "constructor" or "toString" or "valueOf" or "toLocaleString" or "__proto__" or "hasOwnProperty" or "isPrototypeOf" or "propertyIsEnumerable";

    private readonly DeadlineConstraint _deadline;
    private readonly Engine _engine;
    private readonly BuiltInGuards _guards;
    // The built-ins the host calls, taken before anything ran (the guarded JSON.stringify, String's toUpperCase).
    private readonly ObjectInstance _json;
    private readonly JsValue _parse;
    private readonly JsValue _stringify;
    private readonly JsValue _toUpperCase;
    private readonly JsValue _proxy;
    private readonly JsValue _setPrototypeOf;
    private readonly JsValue _error;
    // The secrets proxy's handler and its error's prototype, host objects frozen with the realm.
    private readonly ObjectInstance _handler;
    private readonly ObjectInstance _errorPrototype;
    // Errors the proxy itself threw, with the name asked for: the host trusts these, never a name or class a script can copy.
    private readonly ConditionalWeakTable<ObjectInstance, string> _issued = new();
    private readonly ClrFunction _dataCheck;
    private readonly ClrFunction _memoryCheck;
    // Prototypes known when the engine is built, before any script ran: what a value is, decided by identity, never by a name.
    private readonly Dictionary<ObjectInstance, string> _notData = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ObjectInstance, string> _errorKinds = new(ReferenceEqualityComparer.Instance);
    // Keyed by the (cached) analysis object itself: no hashing of the source on every evaluation.
    private readonly Dictionary<ExpressionAnalysis, Function> _compiled = new(ReferenceEqualityComparer.Instance);
    private (string[] Names, string[] Values, bool Plain, JsValue Object)? _lastSecrets;
    private string? _notDataFound;

    public ExpressionEngine(ExpressionLimits limits, EvaluationClock? clock = null)
    {
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

        // The realm's own hardening and its freeze are host code, on this thread: no script runs before the realm is frozen.
        var table = Intrinsics(_engine.Intrinsics);
        Harden(table);
        // Globals the hardening keeps, read before any script ran.
        _json = _engine.GetValue("JSON").AsObject();
        _parse = _json.Get("parse");
        _stringify = _json.Get("stringify");
        _toUpperCase = PrototypeOf("String").Get("toUpperCase");
        _proxy = _engine.GetValue("Proxy");
        _setPrototypeOf = _engine.GetValue("Object").AsObject().Get("setPrototypeOf");
        _error = _engine.GetValue("Error");
        (_handler, _errorPrototype) = (SecretsHandler(), SecretAccessError());
        _errorKinds[_errorPrototype] = "SecretAccessError";
        Freeze([_engine.Global, .. table.Values, _handler, _errorPrototype]);
    }

    /// <summary>
    /// The secrets proxy's handler: a name is read case-insensitively (upper-cased) from the frozen target of allowed
    /// values; a name that is not there throws the proxy's own error, except the protocol keys that JSON, promises
    /// and conversions probe; writes, deletes and prototype changes throw. Host functions: no script is parsed for it.
    /// </summary>
    private ObjectInstance SecretsHandler()
    {
        var handler = new JsObject(_engine);
        JsValue Upper(JsValue key) => _engine.Call(_toUpperCase, key, []);
        void Trap(string name, Func<JsValue, JsValue[], JsValue> trap, int length) =>
            handler.FastSetProperty(name, new PropertyDescriptor(new ClrFunction(_engine, name, trap, length), writable: true, enumerable: true, configurable: true));

        Trap("get", (_, args) =>
        {
            var key = args.At(1);
            if (args.At(0) is not ObjectInstance target || !key.IsString())
            {
                return JsValue.Undefined;
            }

            var name = Upper(key);
            if (target.HasOwnProperty(name))
            {
                return target.Get(name);
            }

            if (IsProtocolKey(key.ToString()))
            {
                return JsValue.Undefined;
            }

            var error = _engine.Construct(_error, [new JsString(NotAvailable)]).AsObject();
            SetPrototype(error, _errorPrototype);
            _issued.AddOrUpdate(error, name.ToString());
            throw new JavaScriptException(error);
        }, 2);
        Trap("has", (_, args) => args.At(0) is ObjectInstance target && args.At(1).IsString() && target.HasOwnProperty(Upper(args.At(1))) ? JsBoolean.True : JsBoolean.False, 2);
        Func<JsValue, JsValue[], JsValue> readOnly = (_, _) => throw new JavaScriptException(_engine.Intrinsics.TypeError, "secrets are read-only");
        Trap("set", readOnly, 4);
        Trap("deleteProperty", readOnly, 2);
        Trap("defineProperty", readOnly, 3);
        Trap("setPrototypeOf", readOnly, 2);
        Trap("preventExtensions", (_, _) => JsBoolean.True, 1);
        return handler;
    }

    /// <summary>
    /// The prototype of the proxy's own error (a caught error's <c>e.constructor.prototype</c>): an
    /// <c>Error.prototype</c> named <c>SecretAccessError</c>, whose <c>constructor</c> is a host function that makes
    /// nothing (it throws a TypeError, called or with <c>new</c>) and whose prototype is <c>Error</c>, as a class's would be.
    /// </summary>
    private ObjectInstance SecretAccessError()
    {
        var prototype = new JsObject(_engine);
        SetPrototype(prototype, PrototypeOf("Error"));
        var constructor = new ClrFunction(_engine, "SecretAccessError", (_, _) => throw new JavaScriptException(_engine.Intrinsics.TypeError, "SecretAccessError cannot be constructed"), 1);
        SetPrototype(constructor, _error);
        constructor.DefineOwnProperty("prototype", new PropertyDescriptor(prototype, writable: false, enumerable: false, configurable: false));
        prototype.DefineOwnProperty("constructor", new PropertyDescriptor(constructor, writable: true, enumerable: false, configurable: true));
        prototype.DefineOwnProperty("name", new PropertyDescriptor("SecretAccessError", writable: false, enumerable: false, configurable: false));
        return prototype;
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

        // What a thrown error is: the intrinsic prototype it was made from (SecretAccessError's is the host's own, added with it).
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
    /// table of intrinsics, the secrets proxy's handler and error), through property values, accessor functions and
    /// prototypes, each once. Walked here rather than in script: a thousand objects cost a fraction of the interpreter's
    /// time.
    /// </summary>
    private static void Freeze(IEnumerable<JsValue> roots)
    {
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        var work = new Stack<JsValue>(roots);
        while (work.Count > 0)
        {
            if (work.Pop() is not ObjectInstance value || !seen.Add(value))
            {
                continue;
            }

            if (!FreezeOwn(value, work))
            {
                throw new InvalidOperationException($"The expression realm could not be frozen: a {value.GetType().Name} refused.");
            }

            work.Push(value.Prototype ?? JsValue.Undefined);
        }
    }

    /// <summary>
    /// Object.freeze's own steps (SetIntegrityLevel frozen) on <paramref name="value"/>, without a script call; what its
    /// properties hold (values, accessor functions) goes onto <paramref name="reached"/> when given. False if refused.
    /// </summary>
    private static bool FreezeOwn(ObjectInstance value, Stack<JsValue>? reached = null)
    {
        var frozen = value.PreventExtensions();
        foreach (var key in value.GetOwnPropertyKeys())
        {
            var descriptor = value.GetOwnProperty(key);
            if (descriptor.IsDataDescriptor())
            {
                reached?.Push(descriptor.Value);
                frozen &= value.DefineOwnProperty(key, new PropertyDescriptor(descriptor.Value, writable: false, enumerable: descriptor.Enumerable, configurable: false));
            }
            else
            {
                reached?.Push(descriptor.Get ?? JsValue.Undefined);
                reached?.Push(descriptor.Set ?? JsValue.Undefined);
                frozen &= value.DefineOwnProperty(key, new GetSetPropertyDescriptor(descriptor.Get, descriptor.Set, descriptor.Enumerable, configurable: false));
            }
        }

        return frozen;
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

    /// <summary>The wrapped expression parsed and prepared as a script (no engine involved), strictly: no tolerated errors.</summary>
    public static Prepared<Script> Prepare(ExpressionAnalysis analysis) =>
        Engine.PrepareScript(analysis.Wrapped, options: new ScriptPreparationOptions { ParsingOptions = new ScriptParsingOptions { Tolerant = false } });

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
    /// <param name="script">
    /// <paramref name="analysis"/> already prepared (<see cref="Prepare"/>) for this run alone, or null; used only when
    /// this engine has not compiled the expression yet.
    /// </param>
    public EngineResult Run(ExpressionAnalysis analysis, IReadOnlyList<string> names, IReadOnlyList<string> values, bool plain, string? nodesJson, string? inputsJson, bool timed = true, Prepared<Script>? script = null)
    {
        if (!_compiled.TryGetValue(analysis, out var function))
        {
            function = (Function)_engine.Evaluate(script ?? Prepare(analysis));
            if (_compiled.Count > 256)
            {
                _compiled.Clear();
            }

            _compiled[analysis] = function;
        }

        var secrets = Secrets(names, values, plain);
        var nodes = nodesJson is null ? JsValue.Undefined : ReadJson(nodesJson);
        var inputs = inputsJson is null ? JsValue.Undefined : ReadJson(inputsJson);
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
        var stringified = _engine.Call(_stringify, _json, [result, _dataCheck]);
        var json = stringified.IsUndefined() ? "null" : stringified.AsString();
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
            return _issued.TryGetValue(jsError, out var asked) ? new ThrownValue(kind, null, asked) : new ThrownValue("Error", null, null);
        }

        // Own data properties only: a getter would run script code after the limits are disarmed.
        var message = jsError.GetOwnProperty("message") is { Value: JsString text } descriptor && descriptor.IsDataDescriptor() ? text.ToString() : null;
        return new ThrownValue(kind, message, null);
    }

    /// <summary>Object.setPrototypeOf, for the host's own objects (Jint keeps its own setter internal).</summary>
    private void SetPrototype(ObjectInstance target, JsValue prototype) => _engine.Call(_setPrototypeOf, JsValue.Undefined, [target, prototype]);

    /// <summary>JSON text as a deeply frozen value (the run's inputs, earlier nodes' outputs), parsed by the realm's own JSON.parse and its depth limit.</summary>
    private JsValue ReadJson(string text)
    {
        var value = _engine.Call(_parse, _json, [new JsString(text)]);
        DeepFreeze(value);
        return value;
    }

    private static void DeepFreeze(JsValue value)
    {
        if (value is not ObjectInstance target)
        {
            return;
        }

        foreach (var key in target.GetOwnPropertyKeys(Types.String))
        {
            DeepFreeze(target.Get(key));
        }

        if (!FreezeOwn(target))
        {
            throw new InvalidOperationException("A JSON value could not be frozen.");
        }
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

        // A frozen object with no prototype holds exactly the allowed values; the proxy (unless plain) wraps it.
        var target = new JsObject(_engine);
        SetPrototype(target, JsValue.Null);
        for (var i = 0; i < names.Count; i++)
        {
            target.DefineOwnProperty(names[i], new PropertyDescriptor(values[i], writable: false, enumerable: true, configurable: false));
        }

        target.PreventExtensions();
        var secrets = plain ? target : _engine.Construct(_proxy, [target, _handler]);
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
