using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>
/// Renders parsed templates with the values resolved for one node: secrets by name, earlier nodes' outputs, the run
/// input, and JavaScript parts through a caller-supplied evaluator.
/// </summary>
internal sealed class TemplateRenderer
{
    private readonly IReadOnlyDictionary<SecretName, string> _secrets;
    private readonly JsonObject _nodes;
    private readonly JsonNode? _inputs;
    private readonly Func<string, JsonNode?> _evaluate;

    /// <summary>Creates a renderer for one node.</summary>
    /// <param name="secrets">The node's resolved secrets, by name.</param>
    /// <param name="nodes">Earlier nodes by id, each <c>{ "output": ... }</c>.</param>
    /// <param name="inputs">The run input.</param>
    /// <param name="evaluate">Evaluates the JavaScript of a <c>{{= ... }}</c> part.</param>
    public TemplateRenderer(IReadOnlyDictionary<SecretName, string> secrets, JsonObject nodes, JsonNode? inputs, Func<string, JsonNode?> evaluate)
    {
        _secrets = secrets;
        _nodes = nodes;
        _inputs = inputs;
        _evaluate = evaluate;
    }

    /// <summary>Renders a template to text; JSON values that are not strings are written as JSON.</summary>
    /// <exception cref="SecretsRuntimeException">A referenced secret or path has no value.</exception>
    public string Render(ParsedTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Parts is [TemplatePart.Literal only])
        {
            return only.Text;
        }

        var sb = new StringBuilder();
        foreach (var part in template.Parts)
        {
            switch (part)
            {
                case TemplatePart.Literal literal:
                    sb.Append(literal.Text);
                    break;
                case TemplatePart.Secret secret:
                    sb.Append(Secret(secret.Reference));
                    break;
                default:
                    sb.Append(AsText(Value(part)));
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Renders every string in a JSON value; a string that is exactly one reference becomes the referenced JSON value.</summary>
    public JsonNode? RenderJson(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => RenderField(TemplateParser.Parse(text)),
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(Render(TemplateParser.Parse(p.Key)), RenderJson(p.Value)))),
        JsonArray array => new JsonArray(array.Select(RenderJson).ToArray()),
        _ => node?.DeepClone(),
    };

    private JsonNode? RenderField(ParsedTemplate template) => template.Parts switch
    {
        [TemplatePart.DataPath or TemplatePart.Expression] => Value(template.Parts[0])?.DeepClone(),
        _ => JsonValue.Create(Render(template)),
    };

    private string Secret(SecretReference reference) =>
        _secrets.TryGetValue(reference.Name, out var value)
            ? value
            : throw ReferenceErrors.Unresolved($"{reference.Text}: secret {reference.Name.Value} was not resolved for this node");

    private JsonNode? Value(TemplatePart part)
    {
        switch (part)
        {
            case TemplatePart.Expression expression:
                return _evaluate(expression.Source);
            case TemplatePart.DataPath data:
                var current = data.Root == "nodes" ? _nodes : _inputs;
                foreach (var segment in data.Path)
                {
                    current = current switch
                    {
                        JsonObject obj when obj.TryGetPropertyValue(segment, out var child) => child,
                        JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                        _ => throw ReferenceErrors.PathMissing($"{data.Text} has no value at '{segment}'"),
                    };
                }

                return current;
            default:
                throw new InvalidOperationException($"not a value part: {part.GetType().Name}");
        }
    }

    private static string AsText(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
