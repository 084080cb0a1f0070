namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// The escapes one <see cref="TextDecoder"/> undoes, as static members of a struct: the shared decoding loop is
/// compiled once per syntax, so its characters are constants and its unit decoding a direct call, with no virtual
/// call per escape.
/// </summary>
internal interface IEscapeSyntax
{
    /// <summary>The character that opens an escape.</summary>
    static abstract char Trigger { get; }

    /// <summary>Another character that starts a decoded unit inside a window (for example <c>+</c>), or <see cref="Trigger"/> again.</summary>
    static abstract char OtherUnit { get; }

    /// <summary>
    /// Decodes the unit at <paramref name="index"/> into <paramref name="output"/>; returns the characters written, 0 when
    /// no unit starts there. Implementations are marked for inlining: the decoding loops call it once per escape, and
    /// inlined it compiles with them, fully optimised from the first call.
    /// </summary>
    static abstract int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed);
}
