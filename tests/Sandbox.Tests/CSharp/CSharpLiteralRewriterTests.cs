using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

public sealed class CSharpLiteralRewriterTests
{
    [Fact]
    public void A_string_literal_holding_the_value_becomes_a_concatenation_with_the_credential()
    {
        var rewritten = CSharpLiteralRewriter.Rewrite("return \"Bearer tok-123456!\";", "tok-123456", "API_TOKEN");

        Assert.Equal("return (\"Bearer \" + context.Secrets[\"API_TOKEN\"] + \"!\");", rewritten);
    }

    [Fact]
    public void The_value_never_survives_in_a_comment()
    {
        var rewritten = CSharpLiteralRewriter.Rewrite("// tok-123456\nreturn 1;", "tok-123456", "API_TOKEN");

        Assert.DoesNotContain("tok-123456", rewritten, StringComparison.Ordinal);
    }
}
