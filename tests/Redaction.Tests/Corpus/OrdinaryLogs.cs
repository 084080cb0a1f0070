using System.Globalization;
using System.Text;

namespace Secrets.Runtime.Redaction.Tests.Corpus;

/// <summary>
/// Ordinary log text, generated deterministically from a seed: HTTP access logs with percent-encoded queries,
/// JSON lines (escaped quotes, <c>\/</c>, <c>\u00e9</c>, a JSON document inside a string), .NET stack traces,
/// Base64 blobs (one line and MIME-wrapped), hex hashes, UUIDs, PEM certificates and HTML with entities. It holds
/// no secret: the precision guard expects zero masks in it.
/// </summary>
public static class OrdinaryLogs
{
    private static readonly string[] Words = ["order", "invoice", "customer", "alice", "bob", "report", "export", "café", "item", "search", "page", "retry", "timeout", "cache", "warm", "cold", "user", "admin", "north", "south"];
    private static readonly string[] Paths = ["/api/v1/items", "/api/v1/orders", "/login", "/static/app.js", "/search", "/api/v2/customers/export"];
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE"];

    /// <summary>Chunks of whole lines, each about <paramref name="chunkChars"/> characters, without end.</summary>
    public static IEnumerable<string> Chunks(int seed, int chunkChars = 1 << 16)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(chunkChars + 4096);
        var line = 0;
        while (true)
        {
            while (sb.Length < chunkChars)
            {
                AppendEntry(sb, random, line++);
            }

            yield return sb.ToString();
            sb.Clear();
        }
    }

    /// <summary>About <paramref name="chars"/> characters of log text.</summary>
    public static string Text(int seed, int chars)
    {
        var sb = new StringBuilder(chars + (1 << 16));
        foreach (var chunk in Chunks(seed))
        {
            sb.Append(chunk);
            if (sb.Length >= chars)
            {
                break;
            }
        }

        return sb.ToString();
    }

    private static void AppendEntry(StringBuilder sb, Random random, int line)
    {
        var inv = CultureInfo.InvariantCulture;
        var word = Words[random.Next(Words.Length)];
        var other = Words[random.Next(Words.Length)];
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
                sb.Append(inv, $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(256)} - - [02/Dec/2026:04:{random.Next(60):00}:{random.Next(60):00} +0000] \"{Methods[random.Next(Methods.Length)]} {Paths[random.Next(Paths.Length)]}?q={Uri.EscapeDataString(word + " " + other + "&x")}&page={random.Next(100)}&sort=name%2basc&tag=a+b HTTP/1.1\" {(random.Next(10) == 0 ? 404 : 200)} {random.Next(100, 99999)} \"https://shop.example.com/search?q={word}+{other}%21\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\"\n");
                break;
            case 3:
            case 4:
                var inner = $"{{\"{word}\":\"{other} \\\"quoted\\\"\",\"n\":{random.Next(1000)}}}";
                sb.Append(inv, $"{{\"ts\":\"2026-12-02T04:{random.Next(60):00}:{random.Next(60):00}.{random.Next(1000):000}Z\",\"level\":\"info\",\"msg\":\"{word} for \\\"{other}\\\" at caf\\u00e9 done\",\"path\":\"\\/api\\/v1\\/{word}\",\"trace\":\"{Guid(random)}\",\"payload\":{System.Text.Json.JsonSerializer.Serialize(inner)},\"line\":{line}}}\n");
                break;
            case 5:
                sb.Append("System.InvalidOperationException: Sequence contains no elements\n")
                  .Append("   at System.Linq.ThrowHelper.ThrowNoElementsException()\n")
                  .Append(inv, $"   at App.Services.{char.ToUpperInvariant(word[0])}{word[1..]}Service.LoadAsync(Int32 id, CancellationToken ct) in /src/App/Services/{word}Service.cs:line {random.Next(20, 400)}\n")
                  .Append("   at System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start[TStateMachine](TStateMachine& stateMachine)\n")
                  .Append(inv, $"   at App.Controllers.{char.ToUpperInvariant(other[0])}{other[1..]}Controller.Get(String q) in /src/App/Controllers/{other}Controller.cs:line {random.Next(20, 400)}\n");
                break;
            case 6:
                var blob = Convert.ToBase64String(GeneratedSecrets.RandomBytes(random, random.Next(48, 400)));
                if (random.Next(2) == 0)
                {
                    sb.Append(inv, $"payload {word} base64={blob}\n");
                }
                else
                {
                    sb.Append("Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n");
                    for (var i = 0; i < blob.Length; i += 76)
                    {
                        sb.Append(blob.AsSpan(i, Math.Min(76, blob.Length - i))).Append("\r\n");
                    }
                }

                break;
            case 7:
                sb.Append(inv, $"cache {word} sha256={Convert.ToHexStringLower(GeneratedSecrets.RandomBytes(random, 32))} etag=\"{Convert.ToHexString(GeneratedSecrets.RandomBytes(random, 16))}\" request {Guid(random)} completed in {random.Next(1, 900)} ms\n");
                break;
            case 8:
                sb.Append("-----BEGIN CERTIFICATE-----\n");
                var certificate = Convert.ToBase64String(GeneratedSecrets.RandomBytes(random, random.Next(600, 1200)));
                for (var i = 0; i < certificate.Length; i += 64)
                {
                    sb.Append(certificate.AsSpan(i, Math.Min(64, certificate.Length - i))).Append('\n');
                }

                sb.Append("-----END CERTIFICATE-----\n");
                break;
            default:
                sb.Append(inv, $"<li title=\"{word}&#39;s &amp; {other}&#x27;s\">caf&#233; {word} &lt;{random.Next(1000)}&gt; <a href=\"/{other}?a=1&amp;b=2\">{other}</a></li>\n");
                break;
        }
    }

    private static string Guid(Random random) => new Guid(GeneratedSecrets.RandomBytes(random, 16)).ToString();
}
