using System.Text.Json.Nodes;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Tests.Workflows;

public sealed class SampleWorkflowsTests
{
    private static string SamplesFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Secrets.Runtime.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "samples");
    }

    public static TheoryData<string> Samples() => [.. Directory.GetFiles(SamplesFolder(), "workflow.json", SearchOption.AllDirectories)];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Every_sample_validates_and_has_a_readme(string file)
    {
        var workflow = await WorkflowLoader.LoadFileAsync(file);

        Assert.NotEmpty(workflow.Nodes);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(file)!, "README.md")));
    }

    [Fact]
    public void There_are_at_least_four_samples()
    {
        Assert.True(Samples().Count >= 4);
    }

    [Fact]
    public void The_schema_names_the_node_types_the_loader_knows()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(SamplesFolder(), "workflow.schema.json")))!;
        var types = schema["$defs"]!["node"]!["properties"]!["type"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>());

        Assert.Equal(["expression", "code", "http"], types);
        foreach (var type in types)
        {
            var problems = Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse($$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "a", "type": "{{type}}" } ] }""")).Problems;
            Assert.DoesNotContain(problems, p => p.Message.Contains("unknown node type", StringComparison.Ordinal));
        }
    }
}
