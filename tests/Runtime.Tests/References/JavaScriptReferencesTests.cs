using Secrets.Runtime.References;

namespace Secrets.Runtime.Tests.References;

public sealed class JavaScriptReferencesTests
{
    [Fact]
    public void Static_secret_and_node_reads_are_found()
    {
        var refs = JavaScriptReferences.Find("`Bearer ${secrets.API_TOKEN}` + secrets['other'] + secrets?.THIRD + nodes.fetch.output.id + nodes['b'].output");

        Assert.Null(refs.SyntaxError);
        Assert.Equal(["API_TOKEN", "OTHER", "THIRD"], refs.Secrets.Select(s => s.Value).Order(StringComparer.Ordinal));
        Assert.Equal(["b", "fetch"], refs.Nodes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_syntax_error_is_reported_with_its_position()
    {
        var refs = JavaScriptReferences.Find("secrets.A +");

        Assert.NotNull(refs.SyntaxError);
        Assert.Contains("syntax error at line 1", refs.SyntaxError, StringComparison.Ordinal);
    }
}
