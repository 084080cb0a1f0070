namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// <c>exec</c> runs one script file: credentials from the store or a values file, masked output, exit codes, the
/// isolation warning. How each outcome reaches every output is <see cref="ExecOutcomeTests"/>, and masking on every
/// failure path is <see cref="ExecFailureMaskingTests"/> (separate classes, so xUnit runs them in parallel).
/// </summary>
public sealed class ExecCommandTests : IDisposable
{
    private const string Password = "pw-exec-7c6b5a4f3e";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_basic_auth_header_is_built_from_an_aliased_store_secret_and_printed_masked()
    {
        await _cli.PipeAsync(Password, "secret", "set", "API_PASSWORD");
        var script = _cli.Script("context.Log(\"pw \" + context.Secrets[\"Pw\"]); return \"Basic \" + Convert.ToBase64String(Encoding.UTF8.GetBytes(\"user:\" + context.Secrets[\"Pw\"]));");

        var (code, output, error) = await _cli.RunAsync("exec", script, "--credential", "Pw=API_PASSWORD");

        Assert.Equal(0, code);
        Assert.Equal("\"Basic dXNlcjp***\"", output.Trim());
        Assert.StartsWith("log: pw ***\nrun ", error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_values_and_json_output_work_offline()
    {
        var values = Path.Combine(_cli.Home, "t.env");
        File.WriteAllText(values, $"API_PASSWORD={Password}\n");
        var script = _cli.Script("return context.Secrets[\"Pw\"].Length + (int)context.Input![\"n\"]!;");

        var (code, output, _) = await _cli.RunAsync("exec", script, "--credential", "Pw=API_PASSWORD", "--secrets-file", values, "--input", "{\"n\":2}", "--json");

        Assert.Equal(0, code);
        Assert.Equal("{\"status\":\"ok\",\"value\":20,\"error\":null,\"code\":null,\"limit\":null,\"logs\":[],\"run\":null}", output.Trim());
    }

    [Theory]
    [InlineData("return System.IO.File.ReadAllText(\"/etc/passwd\");", 3)]
    [InlineData("while (true) { }", 4)]
    [InlineData("throw new Exception(\"boom\");", 1)]
    public async Task The_exit_code_says_how_the_script_ended(string source, int expected)
    {
        var values = Path.Combine(_cli.Home, "t.env");
        File.WriteAllText(values, "X=1234567\n");

        var (code, _, _) = await _cli.RunAsync("exec", _cli.Script(source), "--secrets-file", values, "--timeout", "3000");

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task A_credential_whose_secret_is_missing_fails_before_any_code_runs()
    {
        var (code, output, error) = await _cli.RunAsync("exec", _cli.Script("return 1;"), "--credential", "Key=NOT_THERE");

        Assert.Equal(1, code);
        Assert.Contains("NOT_THERE", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_isolation_is_warned_about_on_every_run()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";
        var script = _cli.Script("return 1;");

        var (code, output, error) = await _cli.RunAsync("exec", script);

        Assert.Equal(0, code);
        Assert.Equal("1", output.Trim());
        Assert.Equal("warning: SECRETS_RUNTIME_ISOLATION=process runs code nodes without a sandbox: use it for trusted code only", error.ReplaceLineEndings("\n").Split('\n')[0]);
    }
}
