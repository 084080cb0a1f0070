using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Nodes;

namespace Secrets.Runtime.Tests.Workflows.Nodes;

public sealed class NodeTypesTests
{
    [Fact]
    public void An_unknown_node_type_is_refused_naming_every_registered_type()
    {
        var ex = Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse("""{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "a", "type": "ftp" } ] }"""));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("unknown node type 'ftp'; expected expression, code or http", problem.Message);
        Assert.All(NodeTypes.All, t => Assert.Contains(t.Name, problem.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Each_registered_type_parses_its_own_nodes_and_refuses_another_types_properties()
    {
        foreach (var type in NodeTypes.All)
        {
            var foreign = NodeTypes.All.SelectMany(t => t.Properties).First(p => !type.Properties.Contains(p));
            var json = $$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "a", "type": "{{type.Name}}", "{{foreign}}": "x" } ] }""";

            var ex = Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse(json));

            Assert.Contains(ex.Problems, p => p.Message == $"unknown property '{foreign}' for a {type.Name} node");
        }
    }

    [Fact]
    public void Code_properties_of_every_type_are_never_read_as_templates()
    {
        Assert.All(NodeTypes.All.SelectMany(t => t.CodeProperties), p => Assert.Contains(p, NodeTypes.NonTemplateProperties));
        Assert.DoesNotContain("url", NodeTypes.NonTemplateProperties);
    }
}
