using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Secrets.Runtime.Server.Http;

/// <summary>
/// A 200 answer whose JSON is written by generated code (<see cref="ApiJsonContext"/>) straight into the response's
/// buffer, in one synchronous pass: the generated fast path, which the asynchronous, resumable writer of
/// <c>TypedResults.Json</c> does not take for a page-sized body. The bytes are the same.
/// </summary>
/// <typeparam name="T">The answer's type.</typeparam>
internal sealed class GeneratedJsonResult<T>(T value, JsonTypeInfo<T> typeInfo) : IResult
{
    /// <summary>The value written.</summary>
    public T Value => value;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
