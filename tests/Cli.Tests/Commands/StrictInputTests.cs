namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>Input is checked before anything is written: bytes, numbers, enumerations, and the home folder itself.</summary>
public sealed class StrictInputTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_value_that_is_not_utf8_is_refused_with_its_byte_offset_and_nothing_is_stored()
    {
        await _cli.PipeAsync("first-value", "secret", "set", "FIRST");

        var (code, output, error) = await _cli.PipeBytesAsync([0x62, 0x69, 0xff, 0xfe, 0x00, 0x62, 0x69, 0x6e], "secret", "set", "BINARY");
        var list = await _cli.RunAsync("secret", "list", "--json");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: the value on stdin is not valid UTF-8 (byte offset 2); a value is text: encode binary data (base64) first", error.TrimEnd());
        Assert.DoesNotContain("BINARY", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dotenv_file_that_is_not_utf8_is_refused()
    {
        var (code, _, error) = await _cli.PipeBytesAsync([0x41, 0x3d, 0xc3, 0x28, 0x0a], "secret", "import", "-");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("the .env text on stdin is not valid UTF-8 (byte offset 2)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("600001")]
    public async Task Exec_timeout_out_of_range_is_a_clear_message(string timeout)
    {
        var script = Path.Combine(_cli.Home, "s.csx");
        File.WriteAllText(script, "return 1;");

        var (code, output, error) = await _cli.RunAsync("exec", script, "--timeout", timeout);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: --timeout must be 1 to 600000 milliseconds", error.TrimEnd());
    }

    [Theory]
    [InlineData("runs", "list", "--limit", "0")]
    [InlineData("audit", "--limit", "-1")]
    public async Task Limits_out_of_range_are_refused(params string[] args)
    {
        await _cli.PipeAsync("some-value", "secret", "set", "K");

        var (code, _, error) = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--limit must be 1 to ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_log_format_is_refused_before_the_run()
    {
        var workflow = Path.Combine(_cli.Home, "w.json");
        File.WriteAllText(workflow, """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "e", "type": "expression", "expression": "1+1" } ] }""");

        var (code, output, error) = await _cli.RunAsync("run", workflow, "--log-format", "xml");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: --log-format must be one of text, json", error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_cli.Home, "runs")));
    }

    [Theory]
    [InlineData("secret", "list")]
    [InlineData("audit")]
    [InlineData("redact")]
    [InlineData("eval", "secrets.K")]
    [InlineData("runs", "list")]
    [InlineData("key", "rotate")]
    public async Task A_read_only_command_on_a_mistyped_home_says_so_and_creates_nothing(params string[] args)
    {
        var mistyped = Path.Combine(_cli.Home, "no-such-home");

        var (code, output, error) = await _cli.RunAsync([.. args, "--home", mistyped]);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Contains("check --home or SECRETS_RUNTIME_HOME", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(mistyped));
    }

    [Fact]
    public async Task Eval_of_an_expression_without_secrets_opens_no_store()
    {
        var elsewhere = Path.Combine(_cli.Home, "no-store-here");

        var (code, output, error) = await _cli.RunAsync("eval", "1+1", "--home", elsewhere);

        Assert.Equal((0, "2", string.Empty), (code, output.Trim(), error));
        Assert.False(Directory.Exists(elsewhere));
    }
}
