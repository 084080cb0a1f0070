using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Http;

/// <summary>
/// The 200 answer of <c>GET /api/v1/secrets</c>: <c>{"data": [SecretMeta], "nextCursor": ...}</c>, the bytes the
/// generated serializer writes for <see cref="Contracts.SecretPage"/>, each item's JSON from <see cref="SecretRowJson"/>.
/// </summary>
internal sealed class SecretPageResult(Store.Listing.SecretPage page, Principal caller, SecretRowJson rows) : IResult
{
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText NextCursor = JsonEncodedText.Encode("nextCursor");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        Write(new Utf8JsonWriter(httpContext.Response.BodyWriter));
        await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the page to <paramref name="writer"/> and disposes it.</summary>
    internal void Write(Utf8JsonWriter writer)
    {
        using (writer)
        {
            writer.WriteStartObject();
            writer.WriteStartArray(Data);
            for (var i = 0; i < page.Items.Count; i++)
            {
                writer.WriteRawValue(rows.Of(page.Items[i], page.Rows?[i], caller), skipInputValidation: true);
            }

            writer.WriteEndArray();
            if (page.NextCursor is { } cursor)
            {
                writer.WriteString(NextCursor, cursor);
            }
            else
            {
                writer.WriteNull(NextCursor);
            }

            writer.WriteEndObject();
        }
    }
}
