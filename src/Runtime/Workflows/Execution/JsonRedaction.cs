using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>Masks every string, property name and scalar of a JSON tree that holds a secret value.</summary>
internal static class JsonRedaction
{
    public static JsonNode? Redact(JsonNode? node, SecretRedactor redactor) => node switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(redactor.Redact(p.Key), Redact(p.Value, redactor)))),
        JsonArray array => new JsonArray(array.Select(n => Redact(n, redactor)).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var s) => JsonValue.Create(redactor.Redact(s)),

        // A number or boolean that spells a secret (a PIN stored as digits) becomes the masked text.
        _ => redactor.ContainsSecret(node.ToJsonString()) ? JsonValue.Create(redactor.Redact(node.ToJsonString())) : node.DeepClone(),
    };
}
