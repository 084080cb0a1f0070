using System.Text.Json.Serialization;

namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>
/// The source-generated serializer of the worker pipe: strict on reading (no unknown, duplicate or missing members,
/// nullability respected, enums by name), so a line a compromised worker shaped differently does not parse.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(WorkerMessage))]
[JsonSerializable(typeof(RunContext))]
[JsonSerializable(typeof(ProbeAnswer))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;
