using System.Globalization;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Function;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// One Jint engine prepared for untrusted expressions: no CLR interop, no string compilation, code-generating
/// constructors neutralised, dangerous globals removed, every intrinsic frozen so nothing an evaluation does can be
/// seen by the next. Used by one thread at a time.
/// </summary>
internal sealed class ExpressionEngine : IDisposable
{
    /// <summary>Runs once per engine, before anything untrusted. Returns the host's helpers, kept out of reach of scripts.</summary>
    private const string Bootstrap = """
        (function () {
          'use strict';
          const G = globalThis;
          const freeze = Object.freeze, defineProperty = Object.defineProperty, getOwnNames = Object.getOwnPropertyNames,
                getPrototypeOf = Object.getPrototypeOf, hasOwn = Object.prototype.hasOwnProperty, ProxyCtor = Proxy,
                stringify = JSON.stringify, parse = JSON.parse, upper = String.prototype.toUpperCase;
          const refuse = function () { throw new TypeError('code generation is disabled in expressions'); };
          const functionPrototypes = [Function.prototype, getPrototypeOf(function* () {}), getPrototypeOf(async function () {}), getPrototypeOf(async function* () {})];
          for (const p of functionPrototypes) { defineProperty(p, 'constructor', { value: refuse, writable: false, enumerable: false, configurable: false }); }
          // RegExp.$1, input, lastMatch... are engine-wide state that would carry a matched secret to the next evaluation.
          for (const name of ['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9', 'input', '$_', 'lastMatch', '$&', 'lastParen', '$+', 'leftContext', '$`', 'rightContext', "$'"]) { delete RegExp[name]; }
          for (const name of ['eval', 'Function', 'Atomics', 'SharedArrayBuffer', 'WeakRef', 'FinalizationRegistry', 'ShadowRealm', 'globalThis']) { delete G[name]; }

          class SecretAccessError extends Error {}
          defineProperty(SecretAccessError.prototype, 'name', { value: 'SecretAccessError' });
          freeze(SecretAccessError.prototype); freeze(SecretAccessError);
          const notAvailable = (name) => { throw new SecretAccessError('secret ' + name + ' is not available to this block'); };
          const readOnly = () => { throw new TypeError('secrets are read-only'); };
          const protocol = ['toJSON', 'then', 'constructor', 'toString', 'valueOf', 'toLocaleString', '__proto__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'];
          const handler = freeze({
            get(target, key) {
              if (typeof key !== 'string') { return undefined; }
              const name = upper.call(key);
              if (hasOwn.call(target, name)) { return target[name]; }
              if (protocol.includes(key)) { return undefined; }
              return notAvailable(name);
            },
            has(target, key) { return typeof key === 'string' && hasOwn.call(target, upper.call(key)); },
            set: readOnly, deleteProperty: readOnly, defineProperty: readOnly, setPrototypeOf: readOnly, preventExtensions() { return true; },
          });
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
          const toJson = function (value) { const text = stringify(value); return text === undefined ? 'null' : text; };

          // Freeze every intrinsic reachable from the global object, so pollution cannot outlive an evaluation.
          const seen = new Set();
          const lock = function (value, depth) {
            if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value) || depth > 4) { return; }
            seen.add(value);
            for (const key of getOwnNames(value)) {
              let child;
              try { child = value[key]; } catch (e) { continue; }
              lock(child, depth + 1);
            }
            lock(getPrototypeOf(value), depth + 1);
            freeze(value);
          };
          for (const p of functionPrototypes) { lock(p, 0); }
          lock(G, 0);
          return freeze({ makeSecrets, makePlainSecrets, readJson, toJson });
        })()
        """;

    private readonly DeadlineConstraint _deadline = new();
    private readonly TimeSpan _timeout;
    private readonly Engine _engine;
    private readonly Function _makeSecrets;
    private readonly Function _makePlainSecrets;
    private readonly Function _readJson;
    private readonly Function _toJson;
    // Keyed by the (cached) analysis object itself: no hashing of the source on every evaluation.
    private readonly Dictionary<ExpressionAnalysis, Function> _compiled = new(ReferenceEqualityComparer.Instance);
    private (string[] Names, string[] Values, bool Plain, JsValue Object)? _lastSecrets;

    public ExpressionEngine(ExpressionLimits limits)
    {
        _timeout = limits.Timeout;
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

        var helpers = _engine.Evaluate(Bootstrap).AsObject();
        _makeSecrets = (Function)helpers.Get("makeSecrets");
        _makePlainSecrets = (Function)helpers.Get("makePlainSecrets");
        _readJson = (Function)helpers.Get("readJson");
        _toJson = (Function)helpers.Get("toJson");
    }

    /// <summary>
    /// Runs the wrapped expression. A string, boolean, null or undefined result comes back as it is (reading a
    /// primitive runs no script code); anything else as JSON text converted inside the engine under the limits.
    /// </summary>
    /// <param name="analysis">The expression's analysis; it holds the source as <see cref="ExpressionAnalysis.Wrap"/> made it.</param>
    /// <param name="names">Secret names the expression may read.</param>
    /// <param name="values">Their values, in the same order.</param>
    /// <param name="plain">True when a frozen object may stand in for the proxy (see <see cref="ExpressionAnalysis.ReadsSecretsByNameOnly"/>).</param>
    /// <param name="nodesJson">Earlier nodes' outputs as JSON, or null.</param>
    /// <param name="inputsJson">The run's inputs as JSON, or null.</param>
    public EngineResult Run(ExpressionAnalysis analysis, IReadOnlyList<string> names, IReadOnlyList<string> values, bool plain, string? nodesJson, string? inputsJson)
    {
        _engine.Constraints.Reset();
        _deadline.Arm(_timeout);
        try
        {
            return RunArmed(analysis, names, values, plain, nodesJson, inputsJson);
        }
        finally
        {
            _deadline.Disarm();
        }
    }

    private EngineResult RunArmed(ExpressionAnalysis analysis, IReadOnlyList<string> names, IReadOnlyList<string> values, bool plain, string? nodesJson, string? inputsJson)
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
        var nodes = nodesJson is null ? JsValue.Undefined : _engine.Invoke(_readJson, new JsString(nodesJson));
        var inputs = inputsJson is null ? JsValue.Undefined : _engine.Invoke(_readJson, new JsString(inputsJson));
        var result = _engine.Invoke(function, secrets, nodes, inputs);
        return result switch
        {
            JsString text => new EngineResult(text.ToString(), IsJson: false),
            JsBoolean flag => new EngineResult(flag.AsBoolean() ? "true" : "false", IsJson: true),
            _ when result.IsNull() || result.IsUndefined() => new EngineResult("null", IsJson: true),
            _ => new EngineResult(_engine.Invoke(_toJson, result).AsString(), IsJson: true),
        };
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

/// <summary>What an evaluation returned: a JavaScript string as it is, or JSON text.</summary>
/// <param name="Text">The string, or the JSON text.</param>
/// <param name="IsJson">True when <paramref name="Text"/> is JSON.</param>
internal readonly record struct EngineResult(string Text, bool IsJson);
