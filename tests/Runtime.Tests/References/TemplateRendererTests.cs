using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.References;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Tests.References;

public sealed class TemplateRendererTests
{
    private static TemplateRenderer Renderer(Func<string, JsonNode?>? evaluate = null) => new(
        new Dictionary<SecretName, string> { [SecretName.Parse("API_KEY")] = "k-123" },
        JsonNode.Parse("""{ "fetch": { "output": { "items": [ { "id": 7 } ], "name": "n" } } }""")!.AsObject(),
        JsonNode.Parse("""{ "user": "ann" }"""),
        evaluate ?? (js => JsonValue.Create("js:" + js)));

    [Fact]
    public void Secrets_paths_and_expressions_render_into_text()
    {
        var text = Renderer().Render(TemplateParser.Parse("Bearer {{secrets.api_key}} {{nodes.fetch.output.items.0.id}} {{inputs.user}} {{= 1+1 }} \\{{x}}"));

        Assert.Equal("Bearer k-123 7 ann js:1+1 {{x}}", text);
    }

    [Fact]
    public void A_field_that_is_one_reference_keeps_its_json_type()
    {
        var body = Renderer().RenderJson(JsonNode.Parse("""{ "item": "{{nodes.fetch.output.items.0}}", "text": "id={{nodes.fetch.output.items.0.id}}", "n": 3 }"""));

        Assert.Equal(7, body!["item"]!["id"]!.GetValue<int>());
        Assert.Equal("id=7", body["text"]!.GetValue<string>());
        Assert.Equal(3, body["n"]!.GetValue<int>());
    }

    [Fact]
    public void A_missing_path_fails_with_the_reference_and_segment()
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => Renderer().Render(TemplateParser.Parse("{{nodes.fetch.output.nope}}")));

        Assert.Equal("reference.path_missing", ex.Code);
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_secret_fails_without_revealing_any_value()
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => Renderer().Render(TemplateParser.Parse("{{OTHER}}")));

        Assert.Contains("OTHER", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("k-123", ex.Message, StringComparison.Ordinal);
    }
}
