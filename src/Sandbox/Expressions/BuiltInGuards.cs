using System.Runtime.CompilerServices;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// Built-ins that can allocate far past the memory limit in one call (Jint checks memory between statements, not
/// inside a built-in), replaced by host functions that check the size first and then call the original with
/// arguments already converted, so a <c>valueOf</c> cannot answer differently the second time.
/// </summary>
internal sealed class BuiltInGuards
{
    private readonly Engine _engine;
    private readonly long _maxBytes;
    private readonly uint _maxArraySize;
    private readonly HashSet<ObjectInstance> _joining = new(ReferenceEqualityComparer.Instance);
    private long _baseline;

    public BuiltInGuards(Engine engine, ExpressionLimits limits)
    {
        _engine = engine;
        _maxBytes = limits.MaxMemoryBytes;
        _maxArraySize = limits.MaxArraySize;
        Arm();
    }

    /// <summary>Starts counting allocations for a new evaluation.</summary>
    public void Arm() => _baseline = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Replaces the guarded built-ins; runs before the realm is frozen.</summary>
    public void Install(ObjectInstance stringPrototype, ObjectInstance arrayPrototype, ObjectInstance json, ObjectInstance objectConstructor, ObjectInstance reflect, ObjectInstance regExpPrototype, JsValue matchSymbol, ObjectInstance arrayConstructor, ObjectInstance functionPrototype)
    {
        Replace(regExpPrototype, matchSymbol, "[Symbol.match]", 1, original => (self, args) => GlobalMatch(original, self, args));
        foreach (var name in new[] { "keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors", "assign" })
        {
            Replace(objectConstructor, name, name == "assign" ? 2 : 1, original => (self, args) => NoLongStringKeys(original, self, args));
        }

        Replace(reflect, "ownKeys", 1, original => (self, args) => NoLongStringKeys(original, self, args));
        Replace(stringPrototype, "repeat", 1, original => (self, args) => Repeat(original, self, args));
        Replace(stringPrototype, "padStart", 1, original => (self, args) => Pad(original, self, args));
        Replace(stringPrototype, "padEnd", 1, original => (self, args) => Pad(original, self, args));
        Replace(stringPrototype, "replace", 2, original => (self, args) => StringReplace(original, "replace", self, args));
        Replace(stringPrototype, "replaceAll", 2, original => (self, args) => StringReplace(original, "replaceAll", self, args));
        Replace(arrayPrototype, "join", 1, _ => Join);
        Replace(arrayPrototype, "toLocaleString", 0, _ => LocaleJoin);
        Replace(arrayPrototype, "fill", 1, original => (self, args) => ArraysOnly(original, "fill", self, args));
        Replace(arrayPrototype, "copyWithin", 2, original => (self, args) => ArraysOnly(original, "copyWithin", self, args));
        Replace(json, "stringify", 3, original => (_, args) => Stringify(original, args));
        GuardArrayLikes(arrayPrototype, arrayConstructor, functionPrototype, reflect);
    }

    /// <summary>
    /// An array-like can claim any <c>length</c> (<c>{length: 2 ** 53 - 1}</c>, or a real array whose length was set),
    /// and one call of a built-in then loops over it, or allocates for it, inside Jint where the time and memory limits
    /// look only now and then. Every <c>Array.prototype</c> method (but the iterators, which advance one step per
    /// statement), <c>Array.from</c>, <c>apply</c>, <c>Reflect.apply</c> and <c>Reflect.construct</c> check the length
    /// first: past the array limit, the evaluation ends at the memory limit, as an array that long would.
    /// </summary>
    private void GuardArrayLikes(ObjectInstance arrayPrototype, ObjectInstance arrayConstructor, ObjectInstance functionPrototype, ObjectInstance reflect)
    {
        foreach (var key in arrayPrototype.GetOwnPropertyKeys())
        {
            var name = key.IsSymbol() ? "[" + ((JsSymbol)key).ToString() + "]" : key.ToString();
            if (name is "constructor" or "values" or "keys" or "entries" || key.Equals(Jint.Native.Symbol.GlobalSymbolRegistry.Iterator)
                || arrayPrototype.GetOwnProperty(key) is not { Value: ObjectInstance method } || !method.IsCallable())
            {
                continue;
            }

            var what = "Array.prototype." + name;
            Replace(arrayPrototype, key, name, (int)TypeConverter.ToInteger(method.Get("length")), original => (self, args) =>
            {
                CheckArrayLike(self, what);
                if (what == "Array.prototype.concat")
                {
                    foreach (var arg in args)
                    {
                        CheckArrayLike(arg, what);
                    }
                }

                return original.Call(self, args);
            });
        }

        Replace(arrayConstructor, "from", 1, original => (self, args) =>
        {
            CheckArrayLike(args.At(0), "Array.from");
            return original.Call(self, args);
        });
        Replace(functionPrototype, "apply", 2, original => (self, args) =>
        {
            CheckArrayLike(args.At(1), "Function.prototype.apply");
            return original.Call(self, args);
        });
        Replace(reflect, "apply", 3, original => (self, args) =>
        {
            CheckArrayLike(args.At(2), "Reflect.apply");
            return original.Call(self, args);
        });
        Replace(reflect, "construct", 2, original => (self, args) =>
        {
            CheckArrayLike(args.At(1), "Reflect.construct");
            return original.Call(self, args);
        });
    }

    /// <summary>
    /// Throws when <paramref name="value"/>, read as an array-like, is longer than an array may be. The length is found
    /// without running script code (no getter, no proxy trap, no <c>valueOf</c>), so the built-in that reads it next
    /// finds the same: a length that would need script code to read is refused.
    /// </summary>
    private void CheckArrayLike(JsValue value, string what)
    {
        double length;
        switch (value)
        {
            case JsArray array:
                length = array.Length;
                break;
            case JsString text:
                length = text.Length;
                break;
            case ObjectInstance obj:
                length = PlainLength(obj, what);
                break;
            default:
                return;
        }

        if (length > _maxArraySize)
        {
            throw new MemoryLimitExceededException("limit exceeded: memory");
        }
    }

    private double PlainLength(ObjectInstance obj, string what)
    {
        for (var current = obj; current is not null; current = current.Prototype)
        {
            if (current.GetType() == ProxyType)
            {
                throw new JavaScriptException(_engine.Intrinsics.TypeError, $"{what} does not take a proxy in expressions");
            }

            var descriptor = current.GetOwnProperty(LengthKey);
            if (descriptor == PropertyDescriptor.Undefined)
            {
                continue;
            }

            if (!descriptor.IsDataDescriptor() || descriptor.Value is ObjectInstance)
            {
                throw new JavaScriptException(_engine.Intrinsics.TypeError, $"{what} needs an array or an array-like whose length is a number in expressions");
            }

            return TypeConverter.ToLength(descriptor.Value);
        }

        return 0;
    }

    private static readonly JsString LengthKey = new("length");

    /// <summary>Jint's proxy class (internal): a proxy's traps are script code, so its length is never read here. Missing, the engine does not start.</summary>
    private static readonly Type ProxyType = typeof(Engine).Assembly.GetType("Jint.Native.JsProxy", throwOnError: true)!;

    /// <summary>Throws when <paramref name="bytes"/> more would take this evaluation past its memory limit.</summary>
    public void Reserve(double bytes)
    {
        var used = GC.GetAllocatedBytesForCurrentThread() - _baseline;
        if (bytes > _maxBytes - used)
        {
            throw new MemoryLimitExceededException("limit exceeded: memory");
        }
    }

    private void Replace(ObjectInstance owner, string name, int length, Func<JsValue, Func<JsValue, JsValue[], JsValue>> guard) =>
        Replace(owner, new JsString(name), name, length, guard);

    private void Replace(ObjectInstance owner, JsValue key, string name, int length, Func<JsValue, Func<JsValue, JsValue[], JsValue>> guard)
    {
        var original = owner.Get(key);
        owner.DefineOwnProperty(key, new PropertyDescriptor(new ClrFunction(_engine, name, guard(original), length), writable: true, enumerable: false, configurable: true));
    }

    private JsValue Repeat(JsValue original, JsValue self, JsValue[] args)
    {
        TypeConverter.RequireObjectCoercible(_engine, self);
        var text = TypeConverter.ToString(self);
        var count = TypeConverter.ToIntegerOrInfinity(args.At(0));
        if (count > 0 && !double.IsInfinity(count))
        {
            Reserve(2.0 * text.Length * count);
        }

        return original.Call(new JsString(text), [JsNumber.Create(count)]);
    }

    private JsValue Pad(JsValue original, JsValue self, JsValue[] args)
    {
        TypeConverter.RequireObjectCoercible(_engine, self);
        var text = TypeConverter.ToString(self);
        var length = TypeConverter.ToLength(args.At(0));
        var fill = args.At(1).IsUndefined() ? JsValue.Undefined : new JsString(TypeConverter.ToString(args.At(1)));
        if (length > (ulong)text.Length)
        {
            Reserve(2.0 * length);
        }

        return original.Call(new JsString(text), [JsNumber.Create((double)length), fill]);
    }

    /// <summary>
    /// <c>replace</c> and <c>replaceAll</c>: the result is at most the text plus, for each possible match, the
    /// replacement with every <c>$</c> pattern expanded to the whole text. A replacer function is wrapped so the
    /// strings it returns are counted as they come.
    /// </summary>
    private JsValue StringReplace(JsValue original, string name, JsValue self, JsValue[] args)
    {
        TypeConverter.RequireObjectCoercible(_engine, self);
        var pattern = args.At(0);
        var replacement = args.At(1);
        if (pattern.IsObject() || replacement.IsCallable())
        {
            // A RegExp (or an object with Symbol.replace) decides itself how often it matches: only a function's output can be counted.
            if (replacement.IsCallable())
            {
                var produced = 0.0;
                var inner = replacement;
                replacement = new ClrFunction(_engine, string.Empty, (thisArg, innerArgs) =>
                {
                    var piece = TypeConverter.ToString(inner.Call(thisArg, innerArgs));
                    produced += piece.Length;
                    Reserve(2.0 * produced);
                    return new JsString(piece);
                });
                return original.Call(self, [pattern, replacement]);
            }

            var template = TypeConverter.ToString(replacement);
            var subject = self.IsString() ? self.ToString() : null;
            if (subject is not null)
            {
                Reserve(2.0 * Bound(subject.Length, subject.Length + 1.0, template));
                return original.Call(self, [pattern, new JsString(template)]);
            }

            // Converting the receiver here would run its toString twice: only strings are checked and passed through.
            throw new JavaScriptException(_engine.Intrinsics.TypeError, $"String.prototype.{name} with a pattern object needs a string receiver in expressions");
        }

        var text = TypeConverter.ToString(self);
        var search = TypeConverter.ToString(pattern);
        var replaceWith = TypeConverter.ToString(replacement);
        var matches = name == "replace" ? 1.0 : (text.Length / (double)Math.Max(1, search.Length)) + 1;
        Reserve(2.0 * Bound(text.Length, matches, replaceWith));
        return original.Call(new JsString(text), [new JsString(search), new JsString(replaceWith)]);
    }

    private static double Bound(int textLength, double matches, string template)
    {
        var dollars = template.Count(c => c == '$');
        return textLength + (matches * (template.Length + ((double)dollars * textLength)));
    }

    /// <summary>
    /// <c>Array.prototype.join</c> (and so <c>toString</c> and template interpolation of arrays), written out so that
    /// the text is counted as it grows: one call over a wide or self-repeating array stops at the limit.
    /// </summary>
    private JsValue Join(JsValue self, JsValue[] args) =>
        Join(self, args.At(0).IsUndefined() ? "," : TypeConverter.ToString(args.At(0)), TypeConverter.ToString);

    /// <summary><c>toLocaleString</c> of an array: each element's own <c>toLocaleString</c>, joined with commas, counted as it grows.</summary>
    private JsValue LocaleJoin(JsValue self, JsValue[] args) =>
        Join(self, ",", element => TypeConverter.ToString(((ObjectInstance)_engine.GetValue("Object").Call(JsValue.Undefined, [element])).Get("toLocaleString").Call(element, [])));

    private JsValue Join(JsValue self, string separator, Func<JsValue, string> convert)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        TypeConverter.RequireObjectCoercible(_engine, self);
        var target = self as ObjectInstance ?? (ObjectInstance)_engine.GetValue("Object").Call(JsValue.Undefined, [self]);
        var length = TypeConverter.ToLength(target.Get("length"));
        if (length == 0)
        {
            return JsString.Empty;
        }

        // A cycle joins as the empty string, as in other engines.
        if (!_joining.Add(target))
        {
            return JsString.Empty;
        }

        try
        {
            var text = new StringBuilder();
            for (ulong i = 0; i < length; i++)
            {
                if (i > 0)
                {
                    text.Append(separator);
                }

                var element = target.Get(JsNumber.Create((double)i));
                if (!element.IsNull() && !element.IsUndefined())
                {
                    var piece = convert(element);
                    Reserve(2.0 * (text.Length + piece.Length + separator.Length));
                    text.Append(piece);
                }
                else
                {
                    Reserve(2.0 * (text.Length + separator.Length));
                }
            }

            return new JsString(text.ToString());
        }
        finally
        {
            _joining.Remove(target);
        }
    }

    /// <summary>
    /// A string has one own property per character: listing or copying those of a long one builds that many keys in
    /// one call, before Jint compares the count with the array limit.
    /// </summary>
    private JsValue NoLongStringKeys(JsValue original, JsValue self, JsValue[] args)
    {
        foreach (var arg in args)
        {
            CheckSpread(arg);
        }

        return original.Call(self, args);
    }

    /// <summary>
    /// Throws when <paramref name="value"/> would become more properties or arguments in one step than an array may
    /// hold: a long string, or an object (a <c>String</c> wrapper) whose own <c>length</c> says so.
    /// </summary>
    public void CheckSpread(JsValue value)
    {
        var length = value switch
        {
            JsString text => text.Length,
            ObjectInstance obj and not JsArray when obj.GetOwnProperty("length") is { Value: JsNumber n } descriptor && descriptor.IsDataDescriptor() => n.AsNumber(),
            _ => 0,
        };
        if (length > _maxArraySize)
        {
            throw new MemoryLimitExceededException("limit exceeded: memory");
        }
    }

    /// <summary>
    /// <c>RegExp.prototype[Symbol.match]</c> with the global flag (and so <c>String.prototype.match</c>), written out
    /// as the specification's loop over <c>exec</c> so that the matches are counted as they come: Jint's own collects
    /// every match of a long text before the array limit applies.
    /// </summary>
    private JsValue GlobalMatch(JsValue original, JsValue self, JsValue[] args)
    {
        if (self is not JsRegExp regex || !TypeConverter.ToBoolean(regex.Get("global")))
        {
            return original.Call(self, args);
        }

        var text = new JsString(TypeConverter.ToString(args.At(0)));
        var unicode = TypeConverter.ToBoolean(regex.Get("unicode")) || TypeConverter.ToBoolean(regex.Get("unicodeSets"));
        regex.Set("lastIndex", JsNumber.Create(0), throwOnError: true);
        var exec = regex.Get("exec");
        var matches = new List<JsValue>();
        var bytes = 0.0;
        while (true)
        {
            var result = exec.Call(regex, [text]);
            if (result is not ObjectInstance found)
            {
                return matches.Count == 0 ? JsValue.Null : new JsArray(_engine, [.. matches]);
            }

            var match = TypeConverter.ToString(found.Get("0"));
            matches.Add(new JsString(match));
            bytes += (2.0 * match.Length) + 32;
            if ((uint)matches.Count > _maxArraySize)
            {
                throw new MemoryLimitExceededException("limit exceeded: memory");
            }

            Reserve(bytes);
            if (match.Length == 0)
            {
                var index = TypeConverter.ToLength(regex.Get("lastIndex"));
                var step = unicode && index + 1 < (ulong)text.Length && char.IsSurrogatePair(text.ToString()[(int)index], text.ToString()[(int)index + 1]) ? 2UL : 1UL;
                regex.Set("lastIndex", JsNumber.Create((double)(index + step)), throwOnError: true);
            }
        }
    }

    /// <summary>Array-likes can claim any length; <c>fill</c> and <c>copyWithin</c> would then write that many properties in one call.</summary>
    private JsValue ArraysOnly(JsValue original, string name, JsValue self, JsValue[] args)
    {
        if (self is not JsArray)
        {
            throw new JavaScriptException(_engine.Intrinsics.TypeError, $"Array.prototype.{name} works on arrays only in expressions");
        }

        return original.Call(self, args);
    }

    /// <summary>
    /// <c>JSON.stringify</c>: every value it writes passes through a replacer that counts the text it adds (indentation
    /// included), so a wide or deep value stops at the limit instead of after building the whole text.
    /// </summary>
    private JsValue Stringify(JsValue original, JsValue[] args)
    {
        var value = args.At(0);
        var userReplacer = args.At(1);
        var space = args.At(2);
        var indent = space switch
        {
            JsNumber n => Math.Clamp((int)TypeConverter.ToIntegerOrInfinity(n), 0, 10),
            JsString s => Math.Min(10, s.Length),
            _ => 0,
        };
        // A list of keys keeps its filtering (in the object's own key order) and every value is still counted.
        HashSet<string>? keys = null;
        if (userReplacer is JsArray list)
        {
            keys = new HashSet<string>(StringComparer.Ordinal);
            for (uint i = 0; i < list.Length; i++)
            {
                var entry = list[i];
                if (entry.IsString() || entry.IsNumber())
                {
                    keys.Add(TypeConverter.ToString(entry));
                }
            }
        }

        var written = 0.0;
        var depths = indent > 0 ? new Dictionary<ObjectInstance, int>(ReferenceEqualityComparer.Instance) : null;
        var counting = new ClrFunction(_engine, string.Empty, (holder, replacerArgs) =>
        {
            var key = replacerArgs.At(0);
            var item = replacerArgs.At(1);
            if (userReplacer.IsCallable())
            {
                item = userReplacer.Call(holder, [key, item]);
            }
            else if (keys is not null && holder is not JsArray && key.IsString() && key.ToString().Length > 0 && !keys.Contains(key.ToString()))
            {
                return JsValue.Undefined;
            }

            var depth = 0;
            if (depths is not null && holder is ObjectInstance parent)
            {
                depth = depths.TryGetValue(parent, out var d) ? d + 1 : 1;
                if (item is ObjectInstance child)
                {
                    depths[child] = depth;
                }
            }

            written += key.IsString() ? key.ToString().Length + 4 : 0;
            written += item switch
            {
                JsString s => s.Length + 2,
                ObjectInstance => 2,
                _ => 24,
            };
            written += (double)indent * depth;
            Reserve(2.0 * written);
            return item;
        }, 2);

        return original.Call(JsValue.Undefined, [value, counting, space]);
    }
}
