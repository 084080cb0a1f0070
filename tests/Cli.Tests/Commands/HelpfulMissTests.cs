namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>A miss says what to do instead: the scope where a secret really is, the lines of a .env that were not understood.</summary>
public sealed class HelpfulMissTests : IDisposable
{
    private const string Value = "miss-value-0a9b8c7d";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Delete_in_the_wrong_scope_names_the_scopes_where_the_secret_exists()
    {
        await _cli.PipeAsync(Value, "secret", "set", "DB_PASSWORD", "--scope", "project", "--project", "web");

        var (code, output, error) = await _cli.RunAsync("secret", "delete", "DB_PASSWORD", "--yes");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Equal("error: no secret DB_PASSWORD in organization 'default'; it exists in project 'web' (--scope project --project web)", error.TrimEnd());
    }

    [Fact]
    public async Task A_malformed_dotenv_line_is_a_problem_and_nothing_is_imported()
    {
        const string env = "A=alpha-value\nthis line is not a statement\nB='unterminated\n";

        var (code, output, error) = await _cli.PipeAsync(env, "secret", "import", "-");
        var list = await _cli.RunAsync("secret", "list");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        var lines = error.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(
            [
                "problem: line 2: skipped: not a KEY=VALUE statement",
                "problem: line 3: skipped: unterminated single quote",
                "error: import refused, nothing was written: 2 problem(s) above; fix the file (or import the rest with --skip-invalid)",
            ],
            lines);
        Assert.Contains("no store in", list.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha-value", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_skip_invalid_the_valid_lines_are_imported_and_the_rest_reported()
    {
        var (code, output, _) = await _cli.PipeAsync("A=alpha-value\nnot a statement\n", "secret", "import", "-", "--skip-invalid");

        Assert.Equal(0, code);
        Assert.Contains("created A (line 1)", output, StringComparison.Ordinal);
        Assert.Contains("line 2: skipped: not a KEY=VALUE statement", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_list_help_shows_that_every_scope_is_listed_by_default()
    {
        var (code, output, _) = await _cli.RunAsync("secret", "list", "--help");

        Assert.Equal(0, code);
        Assert.Contains("(default: every scope)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: organization]", output, StringComparison.Ordinal);
    }
}
