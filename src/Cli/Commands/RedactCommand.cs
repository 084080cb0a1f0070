using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>redact [--values-json FILE]</c>: stdin to stdout, masked, streaming in constant memory.</summary>
internal static class RedactCommand
{
    public static Command Create(CliContext context)
    {
        var valuesJson = new Option<string?>("--values-json") { Description = "A JSON array of values to mask (default: every value in the store you may use)" };
        var command = new Command("redact", "Copy stdin to stdout with every secret value masked in the forms tools put it in (a safety net, not a boundary)") { valuesJson };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            if (context.Console.InputStream is not null && context.Console.OutputStream is not null)
            {
                StartWarmUp();
            }

            var redactor = new SecretRedactor();
            if (parse.GetValue(valuesJson) is { } file)
            {
                List<string> values;
                try
                {
                    values = ReadValues(await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    throw CliErrors.ValuesInvalid($"--values-json ({context.PositionOf(file)}) must be a readable JSON array of strings");
                }

                redactor.AddRange(values.Select(v => new RedactionValue(v)));
            }
            else
            {
                await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct, redactor).ConfigureAwait(false);
                await runtime.RegisterValuesAsync(context.Principal(parse), purpose: "redact", ct).ConfigureAwait(false);
            }

            if (context.Console.InputStream is { } input && context.Console.OutputStream is { } output)
            {
                RedactBytes(input, output, redactor, ct);
            }
            else
            {
                await RedactTextAsync(context.Console.In, context.Console.Out, redactor, ct).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Bytes in, bytes out, on both cores: stdin is read in 256 KB blocks and decoded straight into the redactor's
    /// pending text; each block's search runs in two parts at once (<see cref="RedactingStream.SearchInParallel"/>);
    /// the masked text leaves as UTF-8 in 64 KB writes that a thread of their own makes (<see cref="WriteBehindStream"/>).
    /// Through the console's text reader and writer, reads were 4 KB, so each character was searched about twice with
    /// the hold-back, and every masked piece was its own flushed write. The reads are synchronous, on the command's own
    /// thread (a stream's default asynchronous read hops to the thread pool and back for every block). Invalid UTF-8
    /// becomes U+FFFD, as the console's reader makes it.
    /// </summary>
    private static void RedactBytes(Stream input, Stream output, SecretRedactor redactor, CancellationToken ct)
    {
        var buffer = new byte[256 * 1024];
        using var stdout = new WriteBehindStream(output);
        // Disposing the stream writes what it holds and flushes stdout.
        using var redacting = new RedactingStream(stdout, redactor, leaveOpen: true) { SearchInParallel = true };
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            redacting.Write(buffer, 0, read);
        }
    }

    /// <summary>
    /// The strings of a JSON array (nulls skipped, a <c>null</c> document is no values), read with the framework's
    /// reader: <c>JsonSerializer</c> builds its converters by reflection on its first call, about 25 ms of a
    /// <c>redact</c> start. Throws <see cref="JsonException"/> for anything else, <see cref="InvalidOperationException"/>
    /// for a string that is not valid UTF-8.
    /// </summary>
    internal static List<string> ReadValues(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json.StartsWith("\uFEFF"u8) ? json[3..] : json);
        var values = new List<string>();
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.Null))
        {
            throw new JsonException("not a JSON array");
        }

        for (var open = reader.TokenType == JsonTokenType.StartArray; open;)
        {
            if (!reader.Read())
            {
                throw new JsonException("the array does not end");
            }

            open = reader.TokenType != JsonTokenType.EndArray;
            if (reader.TokenType == JsonTokenType.String)
            {
                values.Add(reader.GetString()!);
            }
            else if (open && reader.TokenType != JsonTokenType.Null)
            {
                throw new JsonException("not a string");
            }
        }

        if (reader.Read())
        {
            throw new JsonException("content after the array");
        }

        return values;
    }

    /// <summary>
    /// Compiles the search on the other core while this one reads and registers the values: a throwaway redactor
    /// masks a few lines that hold one value in the forms the views decode (percent, JSON and entity escapes, a wrapped
    /// Base64 block, hex), so the methods the stream runs are compiled, most of them at full optimisation, before its
    /// first block needs them (on the bench's logs the process ran 553 ms without this and 482 ms with it, medians of
    /// seven, to /dev/null). It shares nothing with the command's redactor, and the process does not wait for it.
    /// </summary>
    private static void StartWarmUp() => new Thread(() =>
    {
        try
        {
            const string value = "warm-up/v+alue:0123456789\u00e9&'\"";
            var redactor = new SecretRedactor();
            redactor.AddRange([new RedactionValue(value), new RedactionValue("w4rm")]);
            var utf8 = Encoding.UTF8.GetBytes(value);
            var base64 = Convert.ToBase64String([.. "label "u8, .. utf8, .. " and enough bytes after it for a second line"u8]);
            var text = new StringBuilder();
            foreach (var form in new[] { value, Uri.EscapeDataString(value), JsonEncodedText.Encode(value).ToString(), WebUtility.HtmlEncode(value), Convert.ToHexString(utf8) })
            {
                text.Append("GET /api/v1/search?q=caf%C3%A9+%22x%22&token=").Append(form).Append(" 200 w4rm\n")
                    .Append("{\"msg\":\"caf\\u00e9 \\\"q\\\" \\/p &#x27;a&#39; &amp;\",\"v\":\"").Append(form).Append("\"}\n")
                    .Append("-----BEGIN CERTIFICATE-----\n").Append(base64[..64]).Append('\n').Append(base64[64..]).Append("\n-----END CERTIFICATE-----\n");
            }

            using var stream = new RedactingStream(Stream.Null, redactor);
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }
        catch (Exception)
        {
            // It only compiles code ahead of the real search, which would meet and report any error itself.
        }
    })
    { IsBackground = true, Name = "redact warm-up" }.Start();

    /// <summary>Text in, text out, for a console that offers no byte streams (a terminal's input, an embedding host).</summary>
    private static async Task RedactTextAsync(TextReader input, TextWriter output, SecretRedactor redactor, CancellationToken ct)
    {
        await using var writer = new RedactingTextWriter(output, redactor, leaveOpen: true);
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }

        await writer.FlushAsync(ct).ConfigureAwait(false);
    }
}
