namespace Secrets.Runtime.Cli.Tests;

public sealed class CliApplicationTests
{
    [Theory]
    [InlineData(true, "eval", "1+1")]
    [InlineData(true, "--home", "/tmp/h", "eval", "1+1")]
    [InlineData(true, "--verbose", "--user", "alice", "eval", "secrets.A", "--json")]
    [InlineData(false, "eval", "1+1", "--help")]
    [InlineData(false, "eval", "-h")]
    [InlineData(false, "--version")]
    [InlineData(false, "--help", "eval")]
    [InlineData(false, "secret", "set", "eval")]
    [InlineData(false, "--home", "eval", "secret", "list")]
    [InlineData(false)]
    public void Only_an_eval_command_starts_the_expression_engine_early(bool expected, params string[] args)
    {
        Assert.Equal(expected, CliApplication.IsEval(args));
    }

    /// <summary>An eval parses against a root holding eval alone: it must read every eval command line as the full tree does.</summary>
    [Theory]
    [InlineData("eval", "1+1")]
    [InlineData("eval")]
    [InlineData("eval", "1", "--bogus")]
    [InlineData("eval", "1", "--input")]
    [InlineData("eval", "1", "--version")]
    [InlineData("eval", "1", "secret", "list")]
    [InlineData("--home", "/tmp/h", "--verbose", "eval", "secrets.A", "secrets.B", "--json", "--allow", "A", "--project", "p")]
    [InlineData("eval", "--secrets-file", "f.env", "--input", "{}", "1", "--", "--json")]
    public void The_eval_only_tree_parses_an_eval_command_line_as_the_full_tree_does(params string[] args)
    {
        Assert.True(CliApplication.IsEval(args));
        var context = new CliContext(new CliConsole { In = TextReader.Null, Out = TextWriter.Null, Error = TextWriter.Null });

        var full = CliApplication.Parse(CliApplication.CreateRoot(context), args);
        var onlyEval = CliApplication.Parse(CliApplication.CreateRoot(context, onlyEval: true), args);

        Assert.Equal(Describe(full, args), Describe(onlyEval, args));
    }

    private static string Describe(System.CommandLine.ParseResult parse, string[] args) => string.Join(
        "\n",
        [
            parse.CommandResult.Command.Name,
            string.Join("|", parse.Tokens.Select(t => $"{t.Type}:{t.Value}")),
            string.Join("|", parse.CommandResult.Children.Select(c => $"{c.GetType().Name}:{string.Join(",", c.Tokens.Select(t => t.Value))}")),
            .. ParseErrorMessages.For(parse, args),
        ]);
}
