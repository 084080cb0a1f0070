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
}
