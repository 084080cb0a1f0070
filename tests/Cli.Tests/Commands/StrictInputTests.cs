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

    [Theory]
    [InlineData("--cpu-time 0", "--cpu-time must be 1 to 600000 milliseconds")]
    [InlineData("--cpu-time 600001", "--cpu-time must be 1 to 600000 milliseconds")]
    public async Task Exec_cpu_time_out_of_range_is_a_clear_message(string option, string expected)
    {
        var script = Path.Combine(_cli.Home, "s.csx");
        File.WriteAllText(script, "return 1;");

        var (code, output, error) = await _cli.RunAsync(["exec", script, .. option.Split(' ')]);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: " + expected, error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_cli.Home, "runs")));
    }

    /// <summary>
    /// The worker's numbers are checked before it connects: the database named here (port 1) would answer with a
    /// connection error instead, so the range message proves nothing was tried.
    /// </summary>
    [Theory]
    [InlineData("--lease 0", "--lease must be 1 to 3600 lease seconds")]
    [InlineData("--lease 3601", "--lease must be 1 to 3600 lease seconds")]
    [InlineData("--max-attempts 0", "--max-attempts must be 1 to 10 attempts")]
    [InlineData("--max-attempts 11", "--max-attempts must be 1 to 10 attempts")]
    [InlineData("--concurrency 0", "--concurrency must be 1 to 256 runs")]
    [InlineData("--concurrency 257", "--concurrency must be 1 to 256 runs")]
    public async Task Worker_numbers_out_of_range_are_refused_before_it_connects(string option, string expected)
    {
        var (code, output, error) = await _cli.RunAsync(["worker", .. option.Split(' '), "--database", "Host=127.0.0.1;Port=1;Username=u;Password=pw-never-shown"]);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: " + expected, error.TrimEnd());
    }

    [Theory]
    [InlineData("secret", "set", "K", "--scope", "team")]
    [InlineData("secret", "list", "--scope", "team")]
    [InlineData("secret", "delete", "K", "--yes", "--scope", "team")]
    public async Task An_unknown_scope_is_refused_and_nothing_is_written(params string[] args)
    {
        var (code, output, error) = await _cli.PipeAsync("value-never-shown", args);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.StartsWith("error: --scope must be one of organization, workspace, project, personal", error, StringComparison.Ordinal);
        Assert.DoesNotContain("value-never-shown", output + error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.Home, "secrets.db")));
    }

    [Fact]
    public async Task An_unknown_trigger_is_refused_before_the_run()
    {
        var workflow = Path.Combine(_cli.Home, "w.json");
        File.WriteAllText(workflow, """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "e", "type": "expression", "expression": "1+1" } ] }""");

        var (code, output, error) = await _cli.RunAsync("run", workflow, "--trigger", "cron");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: --trigger must be one of manual, api, webhook, schedule", error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_cli.Home, "runs")));
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
