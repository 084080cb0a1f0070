using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// HTML and XML character references: decimal (<c>&amp;#39;</c>) and hexadecimal (<c>&amp;#x27;</c>, either case)
/// numeric entities of up to seven digits, and the named ones that encoders emit (<c>amp lt gt quot apos</c>).
/// </summary>
internal sealed class EntityDecoder : TextDecoder
{
    public override char Trigger => Syntax.Trigger;

    public override bool Decode(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view) => Decode<Syntax>(text, window, filter, ref view);

    private readonly struct Syntax : IEscapeSyntax
    {
        public static char Trigger => '&';

        public static char OtherUnit => '&';

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed)
        {
            consumed = 0;
            if (index + 1 >= text.Length || text[index + 1] is not ('#' or 'a' or 'l' or 'g' or 'q'))
            {
                // No entity starts otherwise (numeric, or one of the names below): a query's "&page=" is passed over at once.
                return 0;
            }

            var rest = text[(index + 1)..];
            var semicolon = Semicolon(rest[..Math.Min(rest.Length, 10)]);
            if (semicolon < 2)
            {
                return 0;
            }

            var body = rest[..semicolon];
            consumed = semicolon + 2;
            if (body[0] != '#')
            {
                output[0] = body switch
                {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => '\0',
                };
                return output[0] == '\0' ? 0 : 1;
            }

            var hex = body[1] is 'x' or 'X';
            var digits = body[(hex ? 2 : 1)..];
            if (digits.Length is 0 or > 7)
            {
                return 0;
            }

            var codePoint = 0;
            foreach (var c in digits)
            {
                var digit = hex ? Hex(c) : c is >= '0' and <= '9' ? c - '0' : -1;
                if (digit < 0)
                {
                    return 0;
                }

                codePoint = (codePoint * (hex ? 16 : 10)) + digit;
            }

            return WriteCodePoint(codePoint, output);
        }

        /// <summary>The first <c>;</c> of an entity's at most ten characters: a plain loop, as a vectorised search costs more to set up than it saves there.</summary>
        private static int Semicolon(ReadOnlySpan<char> text)
        {
            for (var k = 0; k < text.Length; k++)
            {
                if (text[k] == ';')
                {
                    return k;
                }
            }

            return -1;
        }
    }
}
