namespace Secrets.Runtime.Redaction.Tests.Corpus;

/// <summary>
/// Secret values of the shapes hosts resolve (API keys, tokens, passwords with punctuation and accents, hex keys,
/// connection strings, passphrases), generated deterministically from a seed. All are at least 12 characters:
/// a shorter value is masked only as a whole token, and a 4-digit PIN would rightly mask the same number in a log.
/// </summary>
public static class GeneratedSecrets
{
    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Punctuated = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%^&*()-_=+[]{};:'\",.<>/?\\ éüß";
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly string[] Passphrase = ["quasar", "fjord", "xylem", "zephyr", "quokka", "glyph", "sphinx", "wyvern", "jinx", "kumquat", "vortex", "pixel"];

    /// <summary><paramref name="count"/> distinct values from <paramref name="seed"/>.</summary>
    public static List<string> Generate(int seed, int count)
    {
        var random = new Random(seed);
        string Pick(string alphabet, int length) => string.Create(length, (alphabet, random), static (span, s) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = s.alphabet[s.random.Next(s.alphabet.Length)];
            }
        });

        var values = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>(count);
        while (list.Count < count)
        {
            var value = (list.Count % 9) switch
            {
                0 => "sk_live_" + Pick(Alnum, 24),
                1 => "ghp_" + Pick(Alnum, 36),
                2 => "AKIA" + Pick(Upper, 16),
                3 => Pick(Punctuated, 12 + random.Next(10)),
                4 => Convert.ToHexStringLower(RandomBytes(random, 32)),
                5 => $"{Pick(Base64Url, 20)}.{Pick(Base64Url, 40)}.{Pick(Base64Url, 30)}",
                6 => $"postgres://app:{Pick(Alnum, 18)}@db-{random.Next(100)}.internal:5432/orders",
                7 => string.Join(' ', Enumerable.Range(0, 4).Select(_ => Passphrase[random.Next(Passphrase.Length)])) + " " + random.Next(100, 999),
                _ => Pick(Alnum, 14) + "é" + Pick(Alnum, 4),
            };
            if (values.Add(value))
            {
                list.Add(value);
            }
        }

        return list;
    }

    /// <summary>Random bytes from <paramref name="random"/>.</summary>
    public static byte[] RandomBytes(Random random, int length)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
