using System.Net;
using System.Text.Json;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Assertions on problem+json answers.</summary>
public static class Problems
{
    /// <summary>Asserts the status, the problem+json media type and the stable code; returns the parsed body.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Array, body.GetProperty("errors").ValueKind);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        return body;
    }
}
