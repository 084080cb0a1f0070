using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Sandbox.Net;

namespace Secrets.Runtime.Workflows;

/// <summary>Runs an HTTP node: renders its templates, checks the host against the allow-list, sends the request.</summary>
internal sealed class HttpNodeRunner : INodeRunner
{
    /// <summary>The most response body kept as output.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _client;

    public HttpNodeRunner(HttpClient client) => _client = client;

    public string Type => "http";

    public async Task<NodeOutcome> RunAsync(NodeRunContext context, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (resolved, output) = await RunAsync((HttpNode)context.Node, context.Renderer, cancellationToken).ConfigureAwait(false);
        return new NodeOutcome(resolved, output, Sensitive: false, Logs: [])
        {
            TimingsMs = new Dictionary<string, double> { ["http"] = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds },
        };
    }

    /// <summary>The request as rendered (for the run record, masked by the caller) and the response as output.</summary>
    public async Task<(JsonObject Resolved, JsonNode Output)> RunAsync(HttpNode node, TemplateRenderer renderer, CancellationToken cancellationToken)
    {
        var config = node.Configuration;
        var method = config["method"] is JsonValue m ? renderer.Render(TemplateParser.Parse(m.GetValue<string>())).ToUpperInvariant() : "GET";
        var urlTemplate = config["url"]!.GetValue<string>();
        var url = renderer.Render(TemplateParser.Parse(urlTemplate));
        var headers = config["headers"] is JsonObject h ? (JsonObject)renderer.RenderJson(h)! : [];
        var body = config["body"] is { } b ? renderer.RenderJson(b) : null;
        var resolved = new JsonObject { ["method"] = method, ["url"] = url, ["headers"] = headers.DeepClone(), ["body"] = body?.DeepClone() };

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new NodeFailedException(node.Id, "http.url_invalid", $"{node.JsonPath}.url does not render to an absolute http or https URL");
        }

        var allowed = node.AllowedHosts.Count > 0 ? new HostAllowList(node.AllowedHosts) : HostAllowList.ForLiteralUrl(urlTemplate);
        if (!allowed.Allows(uri))
        {
            var hint = allowed.Entries.Count == 0
                ? "the URL's host comes from a reference, so list the hosts this node may call in allowedHosts"
                : $"allowed: {string.Join(", ", allowed.Entries)}";
            throw new NodeFailedException(node.Id, "http.host_denied", $"host {uri.IdnHost}:{uri.Port} is not allowed for this node ({hint})");
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        if (body is not null)
        {
            request.Content = body is JsonValue v && v.TryGetValue<string>(out var text)
                ? new StringContent(text, Encoding.UTF8, "text/plain")
                : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            var headerValue = value?.GetValue<string>() ?? string.Empty;
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (request.Content is not null && MediaTypeHeaderValue.TryParse(headerValue, out var contentType))
                {
                    request.Content.Headers.ContentType = contentType;
                }

                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, headerValue)
                && (request.Content is null || !request.Content.Headers.TryAddWithoutValidation(name, headerValue)))
            {
                throw new NodeFailedException(node.Id, "http.header_invalid", $"header '{name}' cannot be sent");
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // The socket error says what failed, not what was sent.
            throw new NodeFailedException(node.Id, "http.request_failed", $"request to {uri.IdnHost}:{uri.Port} failed: {ex.HttpRequestError}");
        }

        using (response)
        {
            var bytes = await SafeHttp.ReadCappedAsync(response.Content, MaxResponseBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new Redaction.SecretsRuntimeException("http.response_too_large", Redaction.ErrorKind.LimitExceeded, string.Create(CultureInfo.InvariantCulture, $"limit exceeded: response body is larger than {MaxResponseBytes} bytes"));
            var bodyText = Encoding.UTF8.GetString(bytes);
            JsonNode? parsed;
            try
            {
                parsed = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
                    ? JsonNode.Parse(bodyText)
                    : JsonValue.Create(bodyText);
            }
            catch (JsonException)
            {
                parsed = JsonValue.Create(bodyText);
            }

            var output = new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["contentType"] = response.Content.Headers.ContentType?.ToString(),
                ["body"] = parsed,
            };
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpNodeStatusException(node.Id, (int)response.StatusCode, output);
            }

            return (resolved, output);
        }
    }
}
