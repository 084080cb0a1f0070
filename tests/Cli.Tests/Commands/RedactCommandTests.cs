using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// <c>redact</c> as a user pipes a log through it: a real process, stdin and stdout as bytes, several 64 KB reads; its
/// output is what the library makes of the whole text at once, whatever the reads split.
/// </summary>
public sealed class RedactCommandTests : IDisposable
{
    private static readonly string[] Values = ["sk_live_redact_cli_4f7a9c21e8", "pässwörd-mit-ümlauten-77", "ghp_oi6G25nR1DFocFoJNcs4c0qX5rABqktXY4QZ"];

    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_redact_process_masks_a_large_stream_as_the_library_masks_the_whole_text()
    {
        var input = Log();
        var values = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(values, JsonSerializer.Serialize(Values));

        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll"), "redact", "--values-json", values])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["SECRETS_RUNTIME_HOME"] = _cli.Home;
        using var process = Process.Start(info)!;
        using var stdout = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(input);
        process.StandardInput.Close();
        // Not a timing check: a hang guard, far beyond any run on a loaded machine.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(hang.Token);
        await reading;

        Assert.True(process.ExitCode == 0, await errors);
        var redactor = new SecretRedactor();
        redactor.AddRange(Values.Select(v => new RedactionValue(v)));
        var expected = redactor.Redact(Encoding.UTF8.GetString(input));
        var output = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.Equal(expected.Length, output.Length);
        Assert.True(expected == output, "the process's output differs from the library's masking of the whole text");
        Assert.Equal(Occurrences(expected, "***"), Occurrences(output, "***"));
        Assert.True(Occurrences(output, "***") >= 1_200, "every one of the 1,200 planted forms was masked");
        Assert.All(Values, v => Assert.DoesNotContain(v, output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redact_without_byte_streams_masks_through_the_console_text()
    {
        var values = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(values, JsonSerializer.Serialize(Values));
        var text = Encoding.UTF8.GetString(Log()[..200_000]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole { In = new StringReader(text), Out = output, Error = error, IsInputRedirected = true, Environment = _cli.Environment };

        var code = await CliApplication.RunAsync(["redact", "--values-json", values], console);

        var redactor = new SecretRedactor();
        redactor.AddRange(Values.Select(v => new RedactionValue(v)));
        Assert.Equal(0, code);
        Assert.Equal(redactor.Redact(text), output.ToString());
        Assert.All(Values, v => Assert.DoesNotContain(v, output.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[\"sk_live_redact_cli_4f7a9c21e8\", null, \"p\u00e4ssw\u00f6rd-mit-\u00fcmlauten-77\"]", 2)]
    [InlineData("\uFEFF[\"sk_live_redact_cli_4f7a9c21e8\"]", 1)]
    [InlineData(" [ ] ", 0)]
    [InlineData("null", 0)]
    public async Task Values_json_is_an_array_of_strings_where_nulls_are_skipped(string json, int masked)
    {
        var values = ValuesFile(json);

        var (code, output, error) = await _cli.PipeBytesAsync(Encoding.UTF8.GetBytes("a sk_live_redact_cli_4f7a9c21e8 b p\u00e4ssw\u00f6rd-mit-\u00fcmlauten-77 c\n"), "redact", "--values-json", values);

        Assert.True(code == 0, error);
        Assert.Equal(masked, Occurrences(output, "***"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("[[\"x\"]]")]
    [InlineData("{\"values\":[\"x\"]}")]
    [InlineData("\"x\"")]
    [InlineData("[\"x\"] [\"y\"]")]
    [InlineData("[\"x\",")]
    [InlineData("[\"x\" \"y\"]")]
    public async Task Values_json_that_is_not_an_array_of_strings_is_refused_in_one_line_before_reading_stdin(string json)
    {
        var values = ValuesFile(json);

        var (code, output, error) = await _cli.PipeBytesAsync("a sk_live_redact_cli_4f7a9c21e8\n"u8.ToArray(), "redact", "--values-json", values);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("error: --values-json (argument 3) must be a readable JSON array of strings", error.Trim());
    }

    [Fact]
    public async Task Values_json_with_a_string_that_is_not_utf8_is_refused()
    {
        var values = Path.Combine(_cli.Home, "values.json");
        File.WriteAllBytes(values, [.. "[\"sk_live_"u8, 0xC3, 0x28, .. "\"]"u8]);

        var (code, _, error) = await _cli.PipeBytesAsync("a\n"u8.ToArray(), "redact", "--values-json", values);

        Assert.Equal(2, code);
        Assert.Contains("must be a readable JSON array of strings", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// About 1.5 MB of access-log lines with a value after every 10th line, in turn plain, Base64, URL-encoded, JSON-escaped
    /// and inside a wrapped PEM-style Base64 block; multi-byte characters throughout, so 64 KB reads split some of them.
    /// </summary>
    private static byte[] Log()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 12_000; i++)
        {
            sb.Append(CultureInfoInvariant($"2026-12-04T10:{i / 60 % 60:00}:{i % 60:00}Z INF GET /api/items/{i}?q=caf\u00e9 200 user=j\u00fcrgen \U0001F600\n"));
            if (i % 10 == 9)
            {
                var value = Values[i / 10 % Values.Length];
                var form = (i / 30 % 5) switch
                {
                    0 => value,
                    1 => Convert.ToBase64String(Encoding.UTF8.GetBytes(value)),
                    2 => Uri.EscapeDataString(value),
                    3 => JsonSerializer.Serialize(value, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }),
                    _ => Wrap(Convert.ToBase64String(Encoding.UTF8.GetBytes("-----key-----\n" + value + "\n" + value))),
                };
                sb.Append("planted ").Append(form).Append(" end\n");
            }
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private string ValuesFile(string json)
    {
        var file = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(file, json);
        return file;
    }

    private static string Wrap(string base64) => string.Join("\n", base64.Chunk(64).Select(c => new string(c)));

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
