using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// The policy's verdicts on library symbols, kept across the compilations of one <see cref="ScriptCompiler"/>. Every
/// compilation derives from one whose reference set is bound once, so a member or type defined in a referenced
/// assembly is the same symbol object in every script; a verdict depends only on the symbol, so it is worked out once.
/// Only definitions from metadata are kept (never a constructed generic, never a symbol of a script, whose verdicts
/// depend on type arguments or on the script), keyed by the symbol object itself, so two symbols can never share a
/// verdict because they share a name or a type; the size is capped, so a reference set bound again cannot grow it.
/// </summary>
internal sealed class SymbolVerdictCache
{
    /// <summary>The most verdicts of each kind kept (a script uses a few hundred library symbols).</summary>
    internal const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<ISymbol, string?> _symbols = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<ISymbol, string?> _types = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<ISymbol, string> _names = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many verdicts and names are kept (for tests).</summary>
    internal int Count => _symbols.Count + _types.Count + _names.Count;

    /// <summary>
    /// True for a symbol whose verdict may be kept across compilations: a definition (not a constructed generic, not
    /// a reduced extension method) declared in a referenced assembly, not in a script.
    /// </summary>
    internal static bool IsShareable(ISymbol symbol) =>
        symbol is IMethodSymbol { ReducedFrom: null } or IPropertySymbol or IFieldSymbol or IEventSymbol or INamedTypeSymbol
        && symbol is not IErrorTypeSymbol
        && ReferenceEquals(symbol, symbol.OriginalDefinition)
        && symbol.ContainingAssembly is { } assembly && assembly is not ISourceAssemblySymbol
        && symbol.Locations.All(l => l.IsInMetadata);

    internal bool TryGetSymbol(ISymbol symbol, out string? verdict) => _symbols.TryGetValue(symbol, out verdict);

    internal void AddSymbol(ISymbol symbol, string? verdict) => Add(_symbols, symbol, verdict);

    internal bool TryGetType(ISymbol type, out string? verdict) => _types.TryGetValue(type, out verdict);

    internal void AddType(ISymbol type, string? verdict) => Add(_types, type, verdict);

    internal bool TryGetName(ISymbol definition, [MaybeNullWhen(false)] out string name) => _names.TryGetValue(definition, out name);

    internal void AddName(ISymbol definition, string name) => Add(_names, definition, name);

    private static void Add<T>(ConcurrentDictionary<ISymbol, T> kept, ISymbol symbol, T value)
    {
        if (kept.Count < MaxEntries)
        {
            kept.TryAdd(symbol, value);
        }
    }
}
