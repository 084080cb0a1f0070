using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Redaction.Views;

/// <summary>
/// Percent-decoding, as URLs and form bodies escape: <c>%XX</c> in either case, UTF-8 sequences of escapes as one
/// character (a byte that starts no valid sequence as its Latin-1 character), <c>+</c> as a space, and characters
/// left unescaped as they are, so partial escaping (<c>quote(safe='/')</c>, only <c>%5F</c>) decodes too.
/// </summary>
internal sealed class PercentDecoder : TextDecoder
{
    public override char Trigger => Syntax.Trigger;

    public override bool Decode(ReadOnlySpan<char> text, int window, EscapeFilter filter, ref DecodedView view) => Decode<Syntax>(text, window, filter, ref view);

    private readonly struct Syntax : IEscapeSyntax
    {
        public static char Trigger => '%';

        public static char OtherUnit => '+';

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int TryDecode(ReadOnlySpan<char> text, int index, Span<char> output, out int consumed)
        {
            consumed = 1;
            if (text[index] == '+')
            {
                output[0] = ' ';
                return 1;
            }

            var first = Byte(text, index);
            if (first < 0)
            {
                return 0;
            }

            consumed = 3;
            var length = first switch { >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 1 };
            var codePoint = length switch { 2 => first & 0x1F, 3 => first & 0x0F, 4 => first & 0x07, _ => first };
            for (var k = 1; k < length; k++)
            {
                var next = Byte(text, index + (3 * k));
                if (next is < 0x80 or > 0xBF)
                {
                    output[0] = (char)first;
                    return 1;
                }

                codePoint = (codePoint << 6) | (next & 0x3F);
            }

            var written = WriteCodePoint(codePoint, output);
            if (written == 0 || (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000))
            {
                output[0] = (char)first;
                return 1;
            }

            consumed = 3 * length;
            return written;
        }

        private static int Byte(ReadOnlySpan<char> text, int index)
        {
            if (index + 2 >= text.Length || text[index] != '%')
            {
                return -1;
            }

            var high = Hex(text[index + 1]);
            var low = Hex(text[index + 2]);
            return high < 0 || low < 0 ? -1 : (high << 4) | low;
        }
    }
}
