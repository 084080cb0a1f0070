using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Backslash escapes of JSON, JavaScript, C-like languages and shells: <c>\uXXXX</c> and <c>\xXX</c> in either case,
/// <c>\n \r \t \b \f</c>, and a backslash before any other character (<c>\/ \" \\ \' \$ \`</c>, an escaped space) as
/// that character. Applied again to its own output, it undoes a JSON document escaped inside a JSON string.
/// </summary>
internal sealed class BackslashDecoder : TextDecoder
{
    public override char Trigger => Syntax.Trigger;

    public override bool Decode(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view) => Decode<Syntax>(text, window, filter, ref view);

    private readonly struct Syntax : IEscapeSyntax
    {
        public static char Trigger => '\\';

        public static char OtherUnit => '\\';

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed)
        {
            consumed = 0;
            if (index + 1 >= text.Length)
            {
                return 0;
            }

            var c = text[index + 1];
            if (c is 'u' or 'x')
            {
                var digits = c == 'u' ? 4 : 2;
                if (index + 1 + digits >= text.Length)
                {
                    return 0;
                }

                var value = 0;
                for (var k = 0; k < digits; k++)
                {
                    var digit = Hex(text[index + 2 + k]);
                    if (digit < 0)
                    {
                        return 0;
                    }

                    value = (value << 4) | digit;
                }

                consumed = 2 + digits;
                output[0] = (char)value;
                return 1;
            }

            consumed = 2;
            output[0] = c switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f', _ => c };
            return 1;
        }
    }
}
