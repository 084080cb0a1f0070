using System.Buffers.Text;

using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.Http;

/// <summary>Opaque keyset cursors: the sort key of the last item of a page, as base64url JSON.</summary>
internal static class Cursor
{
    public static string Encode(params string[] key) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(key));

    public static string[]? Decode(string? cursor, int parts)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var key = JsonSerializer.Deserialize<string[]>(Base64Url.DecodeFromChars(cursor));
            if (key is not null && key.Length == parts && key.All(k => k is not null))
            {
                return key;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            // Fall through to the one refusal below.
        }

        throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestCursorInvalidCode, "cursor is not one this server returned",
            [new ApiError("pass the nextCursor of the previous page unchanged", "cursor")]);
    }

    public static int Limit(int? limit, int fallback, int max) => limit switch
    {
        null => fallback,
        >= 1 when limit <= max => limit.Value,
        _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestLimitInvalidCode,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"limit must be between 1 and {max}"), [new ApiError("out of range", "limit")]),
    };

}
