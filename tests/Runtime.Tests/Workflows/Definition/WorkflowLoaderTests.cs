using Secrets.Runtime.References;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Nodes.Code;

namespace Secrets.Runtime.Tests.Workflows.Definition;

public sealed class WorkflowLoaderTests
{
    private static IReadOnlyList<WorkflowProblem> Problems(string json) =>
        Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse(json)).Problems;

    [Fact]
    public void A_valid_workflow_loads_with_its_nodes_in_order()
    {
        var workflow = WorkflowLoader.Parse("""
            { "name": "w", "project": "p", "owner": "alice", "nodes": [
              { "id": "auth", "type": "expression", "expression": "`Bearer ${secrets.API_TOKEN}`" },
              { "id": "sign", "type": "code", "language": "csharp", "source": "return 1;", "credentials": [{ "secret": "hmac_key", "alias": "Key" }] },
              { "id": "call", "type": "http", "method": "POST", "url": "https://x.test/{{inputs.id}}",
                "headers": { "Authorization": "{{nodes.auth.output}}", "X-Key": "{{$secret.OTHER}}" }, "body": { "sig": "{{nodes.sign.output}}" } }
            ] }
            """);

        Assert.Equal(["auth", "sign", "call"], workflow.Nodes.Select(n => n.Id));
        Assert.Equal("default", workflow.Organization);
        var code = Assert.IsType<CodeNode>(workflow.Nodes[1]);
        Assert.Equal(("HMAC_KEY", "Key"), (code.Credentials[0].Secret.Value, code.Credentials[0].Alias));
        Assert.Equal(["OTHER"], NodeReferences.SecretNames(workflow.Nodes[2]).Select(n => n.Value));
        Assert.Equal(["API_TOKEN"], NodeReferences.SecretNames(workflow.Nodes[0]).Select(n => n.Value));
    }

    [Fact]
    public void Unknown_types_duplicate_ids_and_missing_fields_are_all_reported_with_paths()
    {
        var problems = Problems("""
            { "name": "w", "project": "p", "nodes": [
              { "id": "a", "type": "shell", "command": "rm -rf /" },
              { "id": "b", "type": "expression", "expression": "1" },
              { "id": "b", "type": "http" }
            ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.owner" && p.Message == "required");
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].type" && p.Message.Contains("unknown node type 'shell'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[2].id" && p.Message.Contains("duplicate node id 'b'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[2].url" && p.Message == "required");
    }

    [Fact]
    public void References_to_later_self_or_unknown_nodes_are_refused()
    {
        var problems = Problems("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "a", "type": "expression", "expression": "nodes.b.output" },
              { "id": "b", "type": "http", "url": "https://x.test/{{nodes.b.output}}", "headers": { "H": "{{nodes.ghost.output.x}}" } }
            ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].expression" && p.Message.Contains("runs later", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[1].url" && p.Message.Contains("runs as this node", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[1].headers.H" && p.Message.Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_references_and_javascript_errors_are_reported_with_their_path()
    {
        var problems = Problems("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "a", "type": "http", "url": "https://x.test/{{secrets.BAD-NAME}}", "headers": { "X-Api-Key": "{{lower}}" } },
              { "id": "b", "type": "expression", "expression": "secrets.A +" }
            ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].url" && p.Message.Contains("'-'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].headers['X-Api-Key']" && p.Message.Contains("upper-case", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[1].expression" && p.Message.Contains("syntax error", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1key", "must be letters")]
    [InlineData("my-key", "must be letters")]
    [InlineData("", "non-empty")]
    public void Invalid_aliases_are_refused(string alias, string expected)
    {
        var problems = Problems($$"""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "c", "type": "code", "language": "csharp", "source": "return 1;", "credentials": [{ "secret": "K", "alias": "{{alias}}" }] }
            ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].credentials[0].alias" && p.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_aliases_and_invalid_secret_names_are_refused()
    {
        var problems = Problems("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "c", "type": "code", "language": "csharp", "source": "return 1;",
                "credentials": [{ "secret": "A", "alias": "k" }, { "secret": "B", "alias": "k" }, { "secret": "1X", "alias": "z" }] }
            ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].credentials[1].alias" && p.Message.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].credentials[2].secret" && p.Message.Contains("cannot start with a digit", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_properties_are_reported_so_typos_do_not_pass_silently()
    {
        var problems = Problems("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "h", "type": "http", "url": "https://x.test", "heders": {} } ] }
            """);

        Assert.Contains(problems, p => p.JsonPath == "$.nodes[0].heders" && p.Message.Contains("unknown property", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_code_node_file_is_read_relative_to_the_workflow_file()
    {
        var dir = Directory.CreateTempSubdirectory("wf-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "sign.csx"), "return 42;");
            var path = Path.Combine(dir.FullName, "w.json");
            File.WriteAllText(path, """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "c", "type": "code", "language": "csharp", "file": "sign.csx" } ] }""");

            var workflow = await WorkflowLoader.LoadFileAsync(path);

            Assert.Equal("return 42;", Assert.IsType<CodeNode>(workflow.Nodes[0]).Source);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Invalid_json_is_reported_with_its_position_and_no_content()
    {
        var problems = Problems("{ \"name\": \"sk-live-123\", ");

        var problem = Assert.Single(problems);
        Assert.Contains("not valid JSON at line 1", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_definition_is_never_rewritten_and_all_reference_syntaxes_are_found()
    {
        var workflow = WorkflowLoader.Parse("""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "h", "type": "http", "url": "https://x.test/{{A}}", "headers": { "{{secrets.B}}": "{{= secrets.C + 'x' }}" }, "body": ["{{$secret.D}}"] } ] }
            """);

        var refs = NodeReferences.Secrets(workflow.Nodes[0]).ToList();
        Assert.Equal(["A", "B", "C", "D"], refs.Select(r => r.Reference.Name.Value).Order(StringComparer.Ordinal));
        Assert.Contains(refs, r => r.Reference.Syntax == ReferenceSyntax.JavaScript && r.JsonPath == "$.nodes[0].headers['{{secrets.B}}']");
        Assert.Equal("https://x.test/{{A}}", workflow.Nodes[0].Configuration["url"]!.GetValue<string>());
    }
}
