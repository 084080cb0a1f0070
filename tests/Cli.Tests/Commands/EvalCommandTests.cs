using System.Diagnostics;

namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class EvalCommandTests : IDisposable
{
    private const string Token = "tok-eval-9f8e7d6c5b";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Results_holding_a_store_secret_are_printed_masked()
    {
        await _cli.PipeAsync(Token, "secret", "set", "API_TOKEN");

        var (code, output, _) = await _cli.RunAsync("eval", "`Bearer ${secrets.API_TOKEN}`", "secrets.API_TOKEN.length", "--input", "{\"a\":1}");

        Assert.Equal(0, code);
        Assert.Equal(["\"Bearer ***\"", "19"], output.TrimEnd().Split('\n'));
        Assert.DoesNotContain(Token, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_values_come_from_a_secrets_file_and_json_mode_prints_one_line_each()
    {
        var file = Path.Combine(_cli.Home, "test.env");
        File.WriteAllText(file, $"API_TOKEN={Token}\nOTHER=other-value-123\n");

        var (code, output, _) = await _cli.RunAsync("eval", "secrets.API_TOKEN", "secrets.OTHER", "--secrets-file", file, "--allow", "API_TOKEN", "--json");

        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("{\"status\":\"ok\",\"value\":\"***\",\"error\":null}", lines[0]);
        Assert.Equal("{\"status\":\"error\",\"value\":null,\"error\":\"secret OTHER is not available to this block\",\"code\":\"expression.error\"}", lines[1]);
        Assert.Equal(1, code);
    }

    [Theory]
    [InlineData("eval('1')", 3)]
    [InlineData("secrets.A +", 3)]
    [InlineData("(() => { while (true) {} })()", 4)]
    [InlineData("null.x", 1)]
    [InlineData("1 + 1", 0)]
    public async Task The_exit_code_says_how_a_single_expression_ended(string expression, int expected)
    {
        var file = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(file, "{\"a\": \"value-a-123\"}");

        var (code, _, _) = await _cli.RunAsync("eval", expression, "--secrets-file", file);

        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData(new[] { "1", "btoa('x')", "2" }, 3)]
    [InlineData(new[] { "null.x", "1" }, 1)]
    [InlineData(new[] { "(() => { while (true) {} })()", "eval('1')", "null.x", "1" }, 4)]
    [InlineData(new[] { "1", "null.x", "eval('1')" }, 3)]
    [InlineData(new[] { "1", "2" }, 0)]
    public async Task The_exit_code_is_the_most_severe_status_among_several_expressions(string[] expressions, int expected)
    {
        var file = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(file, "{\"a\": \"value-a-123\"}");

        var (code, _, _) = await _cli.RunAsync(["eval", .. expressions, "--secrets-file", file]);

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Undefined_is_printed_as_undefined_and_a_function_is_not_data()
    {
        var file = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(file, "{\"a\": \"value-a-123\"}");

        var (code, output, errors) = await _cli.RunAsync("eval", "undefined", "() => secrets.a", "--secrets-file", file);

        Assert.Equal("undefined", output.TrimEnd());
        Assert.Contains("error: result is not data: function", errors, StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    /// <summary>
    /// A real process: the engine it starts preparing before it parses its arguments runs on threads of their own, and
    /// neither their work nor an error that ends the command first keeps the process alive or changes its exit code.
    /// </summary>
    [Theory]
    [InlineData(0, "eval", "1+1")]
    [InlineData(1, "eval", "(() => { throw new TypeError('x'); })()")]
    [InlineData(3, "eval", "1 +")]
    [InlineData(4, "eval", "(() => { for (;;) {} })()")]
    [InlineData(2, "eval", "1", "--secrets-file", "/nonexistent/test.env")]
    public async Task An_eval_process_exits_with_its_outcome_code_whatever_its_prepared_engine_is_doing(int expected, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SECRETS_RUNTIME_HOME"] = _cli.Home;
        info.Environment["SECRETS_RUNTIME_MASTER_KEY"] = _cli.Environment["SECRETS_RUNTIME_MASTER_KEY"];
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Not a timing check: a hang guard, far beyond any start-up on a loaded machine.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(hang.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"eval {string.Join(' ', args)} did not exit");
        }

        Assert.True(expected == process.ExitCode, $"exit {process.ExitCode}: {await output}{await errors}");
        if (expected == 0)
        {
            Assert.Equal("2", (await output).Trim());
        }
    }
}
