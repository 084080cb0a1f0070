using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.Http;

/// <summary>Reads a request body up to a cap, the same way on Kestrel and the test server: larger is 413 before it is parsed.</summary>
internal static class RequestBody
{
    /// <summary>The cap of a body that carries one secret value: 64 KiB of value, escaped as JSON (up to 6 bytes a byte), and a description.</summary>
    public const int SecretBodyBytes = 6 * 64 * 1024 + 8 * 1024;

    /// <summary>The body as UTF-8 text, at most <paramref name="limit"/> bytes.</summary>
    public static async Task<string> ReadTextAsync(HttpContext context, long limit, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestEncodingInvalidCode, "the request body is not UTF-8");
        }
    }

    /// <summary>The body as JSON of type <typeparamref name="T"/>, at most <paramref name="limit"/> bytes.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContext context, long limit, CancellationToken cancellationToken)
        where T : class
    {
        var text = await ReadTextAsync(context, limit, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(text, ApiJson.Options)
                ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestJsonInvalidCode, "the request body is empty");
        }
        catch (JsonException ex)
        {
            // The exception's message can quote the body; only its path is kept.
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestJsonInvalidCode, "the request body is not the JSON this endpoint expects",
                [new ApiError("not valid JSON for this endpoint", ex.Path)]);
        }
    }

    private static ApiProblemException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, Secrets.Runtime.Server.Problems.ApiErrors.RequestTooLargeCode, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the request body is over this endpoint's limit of {limit} bytes"));
}
