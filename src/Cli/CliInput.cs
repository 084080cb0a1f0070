using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli;

/// <summary>Strict checks of command-line input whose messages name the option, position and rule, never the text typed.</summary>
internal static class CliInput
{
    /// <summary>A secret name from the command line; a bad one is described by position and rule, since it may be a value.</summary>
    public static SecretName Name(CliContext context, string? text, string label = "NAME")
    {
        if (SecretName.TryParse(text, out var name, out _))
        {
            return name;
        }

        var where = context.PositionOf(text);
        if (string.IsNullOrEmpty(text))
        {
            throw CliErrors.NameInvalid($"{label} ({where}) is empty; use letters A-Z, digits and '_', not starting with a digit");
        }

        if (text.Contains('=', StringComparison.Ordinal))
        {
            throw CliErrors.NameInvalid($"{label} ({where}) holds '=': give the name alone; {ParseErrorMessages.ValueRule}");
        }

        if (text.Length > SecretName.MaxLength)
        {
            throw CliErrors.NameInvalid(string.Create(CultureInfo.InvariantCulture, $"{label} ({where}) is {text.Length} characters long; the limit is {SecretName.MaxLength}"));
        }

        var upper = text.ToUpperInvariant();
        var index = 0;
        while (index < upper.Length && (upper[index] is (>= 'A' and <= 'Z') or '_' || (index > 0 && upper[index] is >= '0' and <= '9')))
        {
            index++;
        }

        var rule = index == 0 && upper[0] is >= '0' and <= '9' ? "a name cannot start with a digit" : "use only A-Z, 0-9 and '_'";
        throw CliErrors.NameInvalid(string.Create(CultureInfo.InvariantCulture, $"{label} ({where}) has an invalid character at position {index + 1}; {rule}"));
    }

    /// <summary>
    /// A file named on the command line, which must exist; a missing one is named by position, not path, since the
    /// token may be a value typed in the wrong place.
    /// </summary>
    public static string ExistingFile(CliContext context, string? path, string label)
    {
        return path is { Length: > 0 } && File.Exists(path)
            ? path
            : throw CliErrors.FileNotFound($"{label} ({context.PositionOf(path)}) is not a file");
    }

    /// <summary>A folder named on the command line, which must exist (named by position when missing).</summary>
    public static string ExistingFolder(CliContext context, string? path, string label)
    {
        return path is { Length: > 0 } && Directory.Exists(path)
            ? path
            : throw CliErrors.FolderNotFound($"{label} ({context.PositionOf(path)}) is not a folder");
    }

    /// <summary>The value of an enumeration option, lower-cased, checked against <paramref name="allowed"/>.</summary>
    public static string Choice(ParseResult parse, Option<string> option, params string[] allowed)
    {
        var text = parse.GetValue(option)?.Trim().ToLowerInvariant() ?? string.Empty;
        return allowed.Contains(text, StringComparer.Ordinal)
            ? text
            : throw CliErrors.OptionInvalid($"{option.Name} must be one of {string.Join(", ", allowed)}{ParseErrorMessages.Suggest(text, allowed)}");
    }

    /// <summary>An optional whole-number option checked against its range.</summary>
    public static int? InRange(ParseResult parse, Option<int?> option, int min, int max, string unit)
    {
        var value = parse.GetValue(option);
        return value is null || (value >= min && value <= max)
            ? value
            : throw CliErrors.OptionInvalid(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be {min} to {max} {unit}"));
    }

    /// <summary>Decodes bytes as UTF-8, refusing invalid sequences with their byte offset (no replacement characters are ever stored).</summary>
    public static string Utf8(ReadOnlySpan<byte> bytes, string what)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        try
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
            return status == OperationStatus.Done
                ? new string(chars, 0, written)
                : throw CliErrors.NotUtf8(string.Create(CultureInfo.InvariantCulture, $"{what} is not valid UTF-8 (byte offset {read}); a value is text: encode binary data (base64) first"));
        }
        finally
        {
            Array.Clear(chars);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>All of standard input as strict UTF-8 text.</summary>
    public static async Task<string> ReadStdinAsync(CliConsole console, string what, CancellationToken cancellationToken)
    {
        if (console.InputStream is not { } stream)
        {
            return await console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        try
        {
            return Utf8(bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[3..] : bytes, what);
        }
        finally
        {
            bytes.Clear();
        }
    }
}
