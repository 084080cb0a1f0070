using System.CommandLine;
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
            var redactor = new SecretRedactor();
            if (parse.GetValue(valuesJson) is { } file)
            {
                string[]? values;
                try
                {
                    values = JsonSerializer.Deserialize<string[]>(await File.ReadAllTextAsync(file, ct).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is JsonException or IOException)
                {
                    throw CliErrors.ValuesInvalid($"--values-json ({context.PositionOf(file)}) must be a readable JSON array of strings");
                }

                redactor.AddRange((values ?? []).Where(v => v is not null).Select(v => new RedactionValue(v)));
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
    /// Bytes in, bytes out: stdin is read in 64 KB blocks and decoded straight into the redactor's pending text, and
    /// the masked text leaves as UTF-8 in 64 KB writes (the path a large log takes: through the console's text
    /// reader and writer, reads were 4 KB, so each character was searched about twice with the hold-back, and every
    /// masked piece was its own flushed write, 44,311 write calls for 10 MB of the bench's logs). The reads are
    /// synchronous, on the command's own thread (a stream's default asynchronous read hops to the thread pool and back
    /// for every block). Invalid UTF-8 becomes U+FFFD, as the console's reader makes it.
    /// </summary>
    private static void RedactBytes(Stream input, Stream output, SecretRedactor redactor, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        // Disposing the stream writes what it holds and flushes stdout.
        using var redacting = new RedactingStream(output, redactor, leaveOpen: true);
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            redacting.Write(buffer, 0, read);
        }
    }

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
