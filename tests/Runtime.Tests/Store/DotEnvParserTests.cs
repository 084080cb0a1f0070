using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Tests.Store;

public sealed class DotEnvParserTests
{
    private static string Value(string text, string name = "KEY")
    {
        var doc = DotEnvParser.Parse(text);
        Assert.Empty(doc.Errors);
        return Assert.Single(doc.Entries, e => e.Name.Value == name).Value;
    }

    [Theory]
    [InlineData("KEY=value", "value")]
    [InlineData("export KEY=value", "value")]
    [InlineData("KEY: value", "value")]
    [InlineData("KEY = value", "value")]
    [InlineData("KEY=  inner  spaces kept  ", "inner  spaces kept")]
    [InlineData("KEY=value # a comment", "value")]
    [InlineData("KEY=a#b", "a#b")]
    [InlineData("KEY=https://x.test/page#fragment", "https://x.test/page#fragment")]
    [InlineData("KEY=`backticks are literal`", "`backticks are literal`")]
    [InlineData("KEY=$(rm -rf /)", "$(rm -rf /)")]
    [InlineData("KEY=$HOME", "$HOME")]
    public void Statement_forms_and_unquoted_values(string line, string expected)
    {
        Assert.Equal(expected, Value(line));
    }

    [Fact]
    public void Single_quotes_are_literal_and_may_span_lines()
    {
        Assert.Equal("a\\nb ${X} $(x)\nline two", Value("X=1\nKEY='a\\nb ${X} $(x)\nline two'"));
    }

    [Fact]
    public void Double_quotes_unescape_and_may_span_lines()
    {
        Assert.Equal("a\nb\rc\td\\e\"f$g\\q\nnext", Value("KEY=\"a\\nb\\rc\\td\\\\e\\\"f\\$g\\q\nnext\""));
    }

    [Fact]
    public void A_pem_key_survives_in_double_quotes()
    {
        const string pem = "-----BEGIN PRIVATE KEY-----\nMIIB\nabcd\n-----END PRIVATE KEY-----";
        Assert.Equal(pem, Value($"KEY=\"{pem}\""));
    }

    [Fact]
    public void Expansion_uses_earlier_keys_of_the_same_file_only()
    {
        var doc = DotEnvParser.Parse("HOST=db.test\nKEY=\"postgres://${HOST}/${PATH}/${LATER:-fallback}\"\nLATER=x\nSINGLE='${HOST}'\nPLAIN=${HOST}:5432");

        Assert.Equal("postgres://db.test//fallback", doc.Entries.Single(e => e.Name.Value == "KEY").Value);
        Assert.Equal("${HOST}", doc.Entries.Single(e => e.Name.Value == "SINGLE").Value);
        Assert.Equal("db.test:5432", doc.Entries.Single(e => e.Name.Value == "PLAIN").Value);
    }

    [Fact]
    public void Line_endings_and_a_bom_are_accepted()
    {
        var doc = DotEnvParser.Parse("\uFEFFA=1\r\nB=2\rC=\"x\r\ny\"\n");

        Assert.Equal(["A", "B", "C"], doc.Entries.Select(e => e.Name.Value));
        Assert.Equal("x\ny", doc.Entries[2].Value);
    }

    [Fact]
    public void Keys_are_upper_cased_and_a_duplicate_key_keeps_the_last_and_is_reported()
    {
        var doc = DotEnvParser.Parse("api_key=one\nother=x\napi_key=two");

        Assert.Equal("two", doc.Entries.Single(e => e.Name.Value == "API_KEY").Value);
        Assert.Contains(doc.Warnings, w => w.Line == 3 && w.Message.Contains("last definition wins", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("FOO.BAR=x", 1, "'.'")]
    [InlineData("1FOO=x", 1, "cannot start with a digit")]
    [InlineData("A=1\nexport FOO", 2, "has no value")]
    [InlineData("foo=1\nFOO=2", 2, "collides with 'foo'")]
    public void Invalid_keys_collisions_and_bare_exports_are_errors(string text, int line, string expected)
    {
        var doc = DotEnvParser.Parse(text);

        Assert.Contains(doc.Errors, e => e.Line == line && e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("just some words", "not a KEY=VALUE")]
    [InlineData("=value", "no key")]
    [InlineData("KEY=\"never closed", "unterminated double quote")]
    [InlineData("KEY='never closed", "unterminated single quote")]
    [InlineData("KEY=\"ok\" trailing", "text after the closing quote")]
    [InlineData("KEY=", "empty value")]
    [InlineData("KEY=# only a comment", "empty value")]
    [InlineData("KEY=\"\"", "empty value")]
    public void Lines_that_are_not_statements_or_are_empty_are_skipped_with_a_warning(string text, string expected)
    {
        var doc = DotEnvParser.Parse(text + "\nGOOD=yes");

        Assert.Empty(doc.Errors);
        Assert.Contains(doc.Warnings, w => w.Line == 1 && w.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Equal("yes", Assert.Single(doc.Entries).Value);
    }

    [Fact]
    public void Comments_and_blank_lines_are_ignored_and_no_issue_holds_a_value()
    {
        var doc = DotEnvParser.Parse("# comment\n\n   # indented\nKEY=sekrit-value\nKEY=sekrit-value-2\nbad line sekrit");

        Assert.DoesNotContain(doc.Warnings.Concat(doc.Errors), i => i.Message.Contains("sekrit", StringComparison.Ordinal));
    }
}
