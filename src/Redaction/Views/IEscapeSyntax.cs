namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// The escapes one <see cref="TextDecoder"/> undoes, as static members of a struct: the shared decoding loop is
/// compiled once per syntax, so its searches and unit decoding are direct calls the compiler can inline, with no
/// virtual call per escape.
/// </summary>
internal interface IEscapeSyntax
{
    /// <summary>The index of the first character of <paramref name="text"/> that can open an escape, or -1.</summary>
    static abstract int IndexOfTrigger(ReadOnlySpan<char> text);

    /// <summary>The index of the first character of <paramref name="text"/> that can start a decoded unit (the triggers, plus for example <c>+</c>), or -1.</summary>
    static abstract int IndexOfUnit(ReadOnlySpan<char> text);

    /// <summary>Decodes the unit at <paramref name="index"/> into <paramref name="output"/>; returns the characters written, 0 when no unit starts there.</summary>
    static abstract int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed);
}
