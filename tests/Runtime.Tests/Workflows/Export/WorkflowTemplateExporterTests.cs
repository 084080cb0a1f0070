using System.Text.Json.Nodes;
using Acornima;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Export;
using Secrets.Runtime.Workflows.Nodes.Code;

namespace Secrets.Runtime.Tests.Workflows.Export;

public sealed class WorkflowTemplateExporterTests
{
    private const string Token = "sk-live-4f9a8b7c6d5e";
    private const string Hmac = "whsec_abcdefgh12345678";

    private static readonly KeyValuePair<SecretName, string>[] Values =
    [
        new(SecretName.Parse("API_TOKEN"), Token),
        new(SecretName.Parse("HMAC_KEY"), Hmac),
    ];

    private static JsonObject Workflow() => JsonNode.Parse($$$"""
        { "name": "leaky", "project": "p", "owner": "o", "nodes": [
          { "id": "auth", "type": "expression", "expression": "'Bearer {{{Token}}}' + ` and ${1}{{{Token}}}`" },
          { "id": "sign", "type": "code", "language": "csharp", "source": "var k = \"{{{Hmac}}}\"; return k.Length;" },
          { "id": "call", "type": "http", "url": "https://x.test/?key={{{Token}}}", "headers": { "Authorization": "Bearer {{{Token}}}", "X-Ref": "{{secrets.OTHER}}" },
            "body": { "list": ["{{{Hmac}}}", 3] } }
        ] }
        """)!.AsObject();

    [Fact]
    public void No_literal_value_is_left_anywhere_in_the_template()
    {
        var template = WorkflowTemplateExporter.Export(Workflow(), Values);
        var json = template.Document.ToJsonString();

        Assert.DoesNotContain(Token, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Hmac, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, template.Manifest().ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void String_fields_get_secrets_references_and_each_replacement_is_reported()
    {
        var template = WorkflowTemplateExporter.Export(Workflow(), Values);
        var call = template.Document["nodes"]![2]!;

        Assert.Equal("Bearer {{secrets.API_TOKEN}}", call["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal("https://x.test/?key={{secrets.API_TOKEN}}", call["url"]!.GetValue<string>());
        Assert.Equal("{{secrets.HMAC_KEY}}", call["body"]!["list"]![0]!.GetValue<string>());
        Assert.Contains(template.Replacements, r => r.JsonPath == "$.nodes[2].headers.Authorization" && r.Name.Value == "API_TOKEN");
        Assert.Equal(["API_TOKEN", "HMAC_KEY", "OTHER"], template.RequiredSecrets.Select(n => n.Value));
    }

    [Fact]
    public void Javascript_literals_become_template_literals_reading_secrets_and_still_parse()
    {
        var template = WorkflowTemplateExporter.Export(Workflow(), Values);
        var expression = template.Document["nodes"]![0]!["expression"]!.GetValue<string>();

        Assert.Equal("`Bearer ${secrets.API_TOKEN}` + ` and ${1}${secrets.API_TOKEN}`", expression);
        new Parser().ParseScript(expression);
    }

    [Fact]
    public void Csharp_literals_read_an_added_credential_instead()
    {
        var template = WorkflowTemplateExporter.Export(Workflow(), Values);
        var sign = template.Document["nodes"]![1]!;

        Assert.Equal("var k = (\"\" + context.Secrets[\"HMAC_KEY\"] + \"\"); return k.Length;", sign["source"]!.GetValue<string>());
        Assert.Equal("HMAC_KEY", sign["credentials"]![0]!["alias"]!.GetValue<string>());
        var reparsed = WorkflowLoader.Parse(template.Document.ToJsonString());
        Assert.Equal("HMAC_KEY", Assert.IsType<CodeNode>(reparsed.Nodes[1]).Credentials[0].Secret.Value);
    }

    [Fact]
    public void The_input_document_is_not_modified()
    {
        var workflow = Workflow();
        var before = workflow.ToJsonString();

        WorkflowTemplateExporter.Export(workflow, Values);

        Assert.Equal(before, workflow.ToJsonString());
    }
}
