namespace Secrets.Runtime.Cli.Tests;

/// <summary>
/// A value typed by mistake anywhere on the command line is never printed: parse errors and argument checks name the
/// position and the rule. Each case is run as a user would type it, with a store that holds a secret.
/// </summary>
public sealed class ParseErrorMessagesTests : IDisposable
{
    /// <summary>Not a valid secret name (so no command can take it for one), and unlike any command or option.</summary>
    private const string Value = "sk-live-7d1e2f3a4b5c6d-Qz";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string[], string> StrayValues => new()
    {
        { ["secret", "set", "STRIPE", Value], "argument 4 is not expected by `secrets-runtime secret set` (its text is not shown: it could be a value); values are read from stdin or a prompt, never from the command line" },
        { ["secret", "set", "STRIPE", "--value", Value], "argument 4: there is no --value option: values are read from stdin or a prompt, never from the command line" },
        { ["secret", "set", "STRIPE", "--value=" + Value], "argument 4: there is no --value option" },
        { ["secret", "set", "STRIPE=" + Value], "NAME (argument 3) holds '=': give the name alone; values are read from stdin or a prompt, never from the command line" },
        { ["secret", "set", Value], "NAME (argument 3) has an invalid character at position 3" },
        { ["secret", "delete", Value, "--yes"], "NAME (argument 3) has an invalid character" },
        { ["secret", "list", "--scope", Value], "--scope must be one of organization" },
        { [Value], "argument 1 is not a command of `secrets-runtime`" },
        { ["@" + Value], "argument 1 is not a command of `secrets-runtime`" },
        { ["run", "w.json", Value], "argument 3 is not expected by `secrets-runtime run`" },
        { ["run", "w.json", "--trigger", Value], "--trigger must be one of manual, api, webhook, schedule" },
        { ["run", "w.json", "--log-format", Value], "--log-format must be one of text, json" },
        { ["exec", "s.csx", "--timeout", Value], "--timeout (argument 4) is not a whole number" },
        { ["exec", "s.csx", "--cpu-time", Value], "--cpu-time (argument 4) is not a whole number" },
        { ["worker", "--lease", Value], "--lease (argument 3) is not a whole number" },
        { ["samples", "echo-server", "--port", Value], "--port (argument 4) is not a whole number" },
        { ["secret", "set", "STRIPE", "--scope", Value], "--scope must be one of organization" },
        { ["secret", "import", "-", "--scope", Value], "--scope must be one of organization" },
        { ["exec", "s.csx", "--credential", Value], "--credential (argument 4) is not ALIAS=SECRET_NAME" },
        { ["exec", Value], "SCRIPT (argument 2) is not a file" },
        { ["eval", "1", "--allow", Value], "--allow (argument 4) has an invalid character" },
        { ["audit", "--since", Value], "--since is neither a time" },
        { ["runs", "show", Value], "ID (argument 3) is not a run of this home" },
        { ["runs", "list", "--limit", Value], "--limit (argument 4) is not a whole number" },
        { ["secret", "import", Value], "FILE (argument 3) is not a file" },
        { ["run", Value], "FILE (argument 2) is not a file" },
        { ["workflow", "validate", Value], "FILE (argument 3) is not a file" },
        { ["workflow", "export", Value], "FILE (argument 3) is not a file" },
        { ["eval", "1", "--secrets-file", Value], "--secrets-file (argument 4) is not a file" },
        { ["redact", "--values-json", Value], "--values-json (argument 3) must be a readable JSON array of strings" },
        { ["secret", "usages", "EXISTING", "--workflows", Value], "--workflows (argument 5) is not a folder" },
    };

    [Theory]
    [MemberData(nameof(StrayValues))]
    public async Task A_value_typed_by_mistake_is_never_printed(string[] args, string expected)
    {
        await _cli.PipeAsync("existing-value-1", "secret", "set", "EXISTING");

        var (code, output, error) = await _cli.PipeAsync("piped", args);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, output + error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Value.Replace('-', '_'), output + error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("show")]
    [InlineData("reveal")]
    public async Task Asking_for_a_value_explains_that_values_are_write_only(string verb)
    {
        await _cli.PipeAsync("existing-value-1", "secret", "set", "EXISTING");

        var (code, output, error) = await _cli.RunAsync("secret", verb, "EXISTING");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: " + ParseErrorMessages.WriteOnly, error.TrimEnd());
        Assert.Contains("error: secret values are write-only: no command prints one. See names and metadata with `secret list`", error, StringComparison.Ordinal);
        Assert.DoesNotContain("existing-value-1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "secret", "lst" }, "argument 2 is not a command of `secrets-runtime secret`; did you mean `list`?")]
    [InlineData(new[] { "secret", "list", "--jsn" }, "argument 3 is not an option of `secrets-runtime secret list`; did you mean `--json`?")]
    [InlineData(new[] { "wrkflow", "validate", "w.json" }, "did you mean `workflow`?")]
    [InlineData(new[] { "secret" }, "`secrets-runtime secret` needs a command: set, list, delete, import, usages")]
    [InlineData(new[] { "secret", "set" }, "`secrets-runtime secret set` needs NAME")]
    public async Task Typos_and_missing_parts_get_a_hint(string[] args, string expected)
    {
        var (code, _, error) = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
