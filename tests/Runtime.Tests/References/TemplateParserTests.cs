using Secrets.Runtime.References;

namespace Secrets.Runtime.Tests.References;

public sealed class TemplateParserTests
{
    [Theory]
    [InlineData("{{$secret.API_KEY}}", nameof(ReferenceSyntax.DollarSecret))]
    [InlineData("{{secrets.API_KEY}}", nameof(ReferenceSyntax.Secrets))]
    [InlineData("{{API_KEY}}", nameof(ReferenceSyntax.Bare))]
    [InlineData("{{ secrets.api_key }}", nameof(ReferenceSyntax.Secrets))]
    [InlineData("{{$secret.Api_Key}}", nameof(ReferenceSyntax.DollarSecret))]
    public void Every_secret_syntax_is_found_and_upper_cased(string text, string syntax)
    {
        var parsed = TemplateParser.Parse("Bearer " + text);

        Assert.Empty(parsed.Errors);
        var reference = Assert.Single(parsed.SecretReferences);
        Assert.Equal("API_KEY", reference.Name.Value);
        Assert.Equal(syntax, reference.Syntax.ToString()); // by name: ReferenceSyntax is internal, and a public test method cannot take it
        Assert.Equal(new TemplatePart.Literal("Bearer "), parsed.Parts[0]);
    }

    [Fact]
    public void An_escaped_opening_is_literal_text()
    {
        var parsed = TemplateParser.Parse(@"use \{{secrets.X}} to refer to X");

        Assert.Empty(parsed.Errors);
        Assert.False(parsed.HasReferences);
        Assert.Equal("use {{secrets.X}} to refer to X", Assert.IsType<TemplatePart.Literal>(Assert.Single(parsed.Parts)).Text);
    }

    [Fact]
    public void Node_outputs_and_inputs_are_dotted_paths()
    {
        var parsed = TemplateParser.Parse("{{nodes.fetch.output.items.0.id}}/{{inputs.user}}");

        var node = Assert.IsType<TemplatePart.DataPath>(parsed.Parts[0]);
        Assert.Equal("nodes", node.Root);
        Assert.Equal(["fetch", "output", "items", "0", "id"], node.Path);
        var input = Assert.IsType<TemplatePart.DataPath>(parsed.Parts[2]);
        Assert.Equal(["user"], input.Path);
    }

    [Fact]
    public void A_javascript_expression_may_contain_braces()
    {
        var parsed = TemplateParser.Parse("x{{= JSON.stringify({a: {b: secrets.K}}) }}y");

        Assert.Empty(parsed.Errors);
        Assert.Equal("JSON.stringify({a: {b: secrets.K}})", Assert.IsType<TemplatePart.Expression>(parsed.Parts[1]).Source);
        Assert.Equal("y", Assert.IsType<TemplatePart.Literal>(parsed.Parts[2]).Text);
    }

    [Theory]
    [InlineData("{{api_key}}", "bare name must be an upper-case")]
    [InlineData("{{secrets.API-KEY}}", "invalid character '-'")]
    [InlineData("{{secrets.A.B}}", "no further path")]
    [InlineData("{{nodes.fetch}}", "nodes.ID.output")]
    [InlineData("{{}}", "empty")]
    [InlineData("{{env.HOME}}", "not a known reference")]
    [InlineData("{{secrets.A", "never closed")]
    [InlineData("{{=  }}", "no expression")]
    public void Malformed_references_are_reported(string text, string expected)
    {
        var parsed = TemplateParser.Parse(text);

        Assert.Contains(parsed.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_text_has_no_references()
    {
        var parsed = TemplateParser.Parse("https://api.example.com/v1?q={x}");

        Assert.Empty(parsed.Errors);
        Assert.False(parsed.HasReferences);
    }
}
