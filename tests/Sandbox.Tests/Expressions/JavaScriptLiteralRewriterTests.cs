using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Sandbox.Tests.Expressions;

public sealed class JavaScriptLiteralRewriterTests
{
    [Fact]
    public void A_string_literal_holding_the_value_becomes_a_template_literal_reading_the_secret()
    {
        var rewritten = JavaScriptLiteralRewriter.Rewrite("'Bearer tok-123456' + inputs.x", "tok-123456", "API_TOKEN");

        Assert.Equal("`Bearer ${secrets.API_TOKEN}` + inputs.x", rewritten);
    }

    [Fact]
    public void The_value_never_survives_in_unparsable_source_or_comments()
    {
        var rewritten = JavaScriptLiteralRewriter.Rewrite("'tok-123456' + (", "tok-123456", "API_TOKEN");

        Assert.DoesNotContain("tok-123456", rewritten, StringComparison.Ordinal);
        Assert.Contains("secrets.API_TOKEN", rewritten, StringComparison.Ordinal);
    }
}
