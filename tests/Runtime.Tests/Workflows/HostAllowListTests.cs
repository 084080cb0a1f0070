using Secrets.Runtime.Sandbox.Net;

namespace Secrets.Runtime.Tests.Workflows;

public sealed class HostAllowListTests
{
    [Theory]
    [InlineData("api.example.com", "https://api.example.com/v1", true)]
    [InlineData("API.example.com", "https://api.example.com:8443/v1", true)]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/x", true)]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5001/x", false)]
    [InlineData("*.example.com", "https://a.b.example.com/", true)]
    [InlineData("*.example.com", "https://example.com/", false)]
    [InlineData("*.example.com", "https://evilexample.com/", false)]
    [InlineData("api.example.com", "https://api.example.com.evil.test/", false)]
    [InlineData("api.example.com", "ftp://api.example.com/", false)]
    public void Hosts_match_exactly_by_port_or_by_subdomain(string entry, string url, bool allowed)
    {
        Assert.Equal(allowed, new HostAllowList([entry]).Allows(new Uri(url)));
    }

    [Fact]
    public void An_empty_list_allows_nothing()
    {
        Assert.False(new HostAllowList([]).Allows(new Uri("https://api.example.com/")));
    }

    [Fact]
    public void A_literal_url_allows_its_own_host_and_port_only()
    {
        var list = HostAllowList.ForLiteralUrl("https://api.example.com/v1/{{secrets.PATH}}?k={{K}}");

        Assert.True(list.Allows(new Uri("https://api.example.com/v1/x?k=1")));
        Assert.False(list.Allows(new Uri("https://api.example.com:444/")));
        Assert.False(list.Allows(new Uri("https://other.example.com/")));
    }

    [Theory]
    [InlineData("https://{{secrets.HOST}}/x")]
    [InlineData("{{nodes.a.output}}")]
    [InlineData("https://api.example.com{{inputs.suffix}}")]
    public void A_host_that_comes_from_a_reference_allows_nothing(string template)
    {
        Assert.Empty(HostAllowList.ForLiteralUrl(template).Entries);
    }
}
