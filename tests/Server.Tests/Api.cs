using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Small request helpers over relative URLs.</summary>
public static class Api
{
    public static Uri Url(string path) => new(path, UriKind.Relative);

    public static Task<HttpResponseMessage> PutSecretAsync(this HttpClient client, string path, string value, string? description = null, Action<HttpRequestMessage>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(HttpMethod.Put, Url(path)) { Content = JsonContent.Create(new { value, description }) };
        headers?.Invoke(request);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, JsonNode body)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(body);
        return client.PostAsync(Url(path), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, JsonNode body)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(body);
        return client.PutAsync(Url(path), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
