using System.Text.Json;
using System.Text.Json.Serialization;
using Secrets.Runtime.Server.Contracts;

namespace Secrets.Runtime.Server.Http;

/// <summary>
/// Serialization code generated at build time for the hottest answer, a page of secrets: written straight to the
/// response without reflection. Its settings are <see cref="ApiJson"/>'s (camelCase names, nulls written); a page has
/// no enum, so it needs none of <see cref="ApiJson"/>'s converters, which would turn the generated fast path off.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(SecretPage))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
