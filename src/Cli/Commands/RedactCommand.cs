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

            await using var writer = new RedactingTextWriter(context.Console.Out, redactor, leaveOpen: true);
            var buffer = new char[16 * 1024];
            int read;
            while ((read = await context.Console.In.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            }

            await writer.FlushAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
