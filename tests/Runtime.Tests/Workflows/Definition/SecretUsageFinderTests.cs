using Secrets.Runtime.References;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Tests.Workflows.Definition;

public sealed class SecretUsageFinderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("usages-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Every_syntax_is_found_with_workflow_node_and_path()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "a.json"), """
            { "name": "alpha", "project": "p", "owner": "o", "nodes": [
              { "id": "e", "type": "expression", "expression": "secrets.api_key.length" },
              { "id": "c", "type": "code", "language": "csharp", "source": "return 1;", "credentials": [{ "secret": "API_KEY", "alias": "k" }] },
              { "id": "h", "type": "http", "url": "https://x.test/{{$secret.API_KEY}}", "headers": { "A": "{{API_KEY}}", "B": "{{secrets.Api_Key}}", "C": "{{= secrets.API_KEY }}" } }
            ] }
            """);
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "nested"));
        File.WriteAllText(Path.Combine(_dir.FullName, "nested", "b.json"), """{ "name": "beta", "nodes": [ { "id": "x", "type": "http", "url": "{{OTHER}}" } ] }""");
        File.WriteAllText(Path.Combine(_dir.FullName, "notes.json"), """{ "hello": "{{API_KEY}}" }""");

        var sites = await SecretUsageFinder.FindAsync(_dir.FullName, SecretName.Parse("api_key"));

        Assert.All(sites, s => Assert.Equal("alpha", s.Workflow));
        Assert.Equal(
            [ReferenceSyntax.JavaScript, ReferenceSyntax.Credential, ReferenceSyntax.DollarSecret, ReferenceSyntax.Bare, ReferenceSyntax.Secrets, ReferenceSyntax.JavaScript],
            sites.Select(s => s.Syntax));
        Assert.Contains(sites, s => s.NodeId == "h" && s.JsonPath == "$.nodes[2].headers.B");
    }

    [Fact]
    public async Task A_workflow_that_does_not_validate_is_still_searched()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "broken.json"), """{ "nodes": [ { "type": "http", "url": "{{secrets.K}}" }, "junk" ] }""");
        File.WriteAllText(Path.Combine(_dir.FullName, "not-json.json"), "{ nope");

        var site = Assert.Single(await SecretUsageFinder.FindAsync(_dir.FullName, SecretName.Parse("K")));

        Assert.Equal("#0", site.NodeId);
    }
}
