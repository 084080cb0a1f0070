using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.References;
using Secrets.Runtime.Sandbox.Net;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Workflows.Nodes.Http;

/// <summary>Runs an HTTP node: renders its templates, checks the host against the allow-list, sends the request.</summary>
internal sealed class HttpNodeRunner : INodeRunner
{
    /// <summary>The most response body kept as output.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _client;

    public HttpNodeRunner(HttpClient client) => _client = client;

    public string Type => HttpNode.TypeName;

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
        var methodTemplate = config["method"] is JsonValue m ? m.GetValue<string>() : "GET";
        var method = renderer.Render(TemplateParser.Parse(methodTemplate)).ToUpperInvariant();
        var urlTemplate = config["url"]!.GetValue<string>();
        var url = renderer.Render(TemplateParser.Parse(urlTemplate));
        var headerTemplates = config["headers"] as JsonObject ?? [];
        var headers = new JsonObject();
        var checkedHeaders = new List<(string Template, string Name, string Value)>();
        foreach (var (nameTemplate, valueTemplate) in headerTemplates)
        {
            // Each header is checked as rendered, before anything is sent; the error names the header as written.
            var name = renderer.Render(TemplateParser.Parse(nameTemplate));
            var template = TemplateParser.Parse(valueTemplate?.GetValue<string>() ?? string.Empty);
            var value = renderer.Render(template);
            if (SafeHttp.HeaderProblem(name, value) is { } problem)
            {
                var from = References(TemplateParser.Parse(nameTemplate)).Concat(References(template));
                throw WorkflowErrors.HttpHeaderInvalid(node.Id, $"header {JsonPaths.Property($"{node.JsonPath}.headers", nameTemplate)} {problem}{Rendered(from)}");
            }

            headers[name] = value;
            checkedHeaders.Add((nameTemplate, name, value));
        }

        var body = config["body"] is { } b ? renderer.RenderJson(b) : null;
        var resolved = new JsonObject { ["method"] = method, ["url"] = url, ["headers"] = headers.DeepClone(), ["body"] = body?.DeepClone() };

        if (!SafeHttp.IsToken(method))
        {
            throw WorkflowErrors.HttpMethodInvalid(node.Id, $"{node.JsonPath}.method does not render to an HTTP method{Rendered(References(TemplateParser.Parse(methodTemplate)))}");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw WorkflowErrors.HttpUrlInvalid(node.Id, $"{node.JsonPath}.url does not render to an absolute http or https URL");
        }

        // Uri lower-cases and normalizes a host, so a value in it would pass the masker: messages name the template.
        var target = HostAsWritten(node, urlTemplate);
        var allowed = node.AllowedHosts.Count > 0 ? new HostAllowList(node.AllowedHosts) : HostAllowList.ForLiteralUrl(urlTemplate);
        if (!allowed.Allows(uri))
        {
            var hint = allowed.Entries.Count == 0
                ? "the URL's host comes from a reference, so list the hosts this node may call in allowedHosts"
                : $"allowed: {string.Join(", ", allowed.Entries)}";
            throw WorkflowErrors.HttpHostDenied(node.Id, $"{target} is not allowed for this node ({hint})");
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        if (body is not null)
        {
            request.Content = body is JsonValue v && v.TryGetValue<string>(out var text)
                ? new StringContent(text, Encoding.UTF8, "text/plain")
                : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        foreach (var (nameTemplate, name, headerValue) in checkedHeaders)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (request.Content is not null && MediaTypeHeaderValue.TryParse(headerValue, out var contentType))
                {
                    request.Content.Headers.ContentType = contentType;
                }

                continue;
            }

            // Checked above by SafeHttp.HeaderProblem: a token name and no control character in the value.
            if (!request.Headers.TryAddWithoutValidation(name, headerValue)
                && (request.Content is null || !request.Content.Headers.TryAddWithoutValidation(name, headerValue)))
            {
                throw WorkflowErrors.HttpHeaderInvalid(node.Id, $"header {JsonPaths.Property($"{node.JsonPath}.headers", nameTemplate)} cannot be sent on this request");
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // The category says what failed; the exception's message can hold the normalized host, so it is never shown.
            throw WorkflowErrors.HttpRequestFailed(node.Id, $"request to {target} failed: {ex.HttpRequestError}");
        }

        using (response)
        {
            var bytes = await SafeHttp.ReadCappedAsync(response.Content, MaxResponseBytes, cancellationToken).ConfigureAwait(false)
                ?? throw WorkflowErrors.HttpResponseTooLarge(string.Create(CultureInfo.InvariantCulture, $"limit exceeded: response body is larger than {MaxResponseBytes} bytes"));
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

    /// <summary>The references a template reads, as written (such as <c>{{secrets.API_HOST}}</c>).</summary>
    private static IEnumerable<string> References(ParsedTemplate template) => template.Parts.Select(p => p switch
    {
        TemplatePart.Secret secret => secret.Reference.Text,
        TemplatePart.DataPath data => data.Text,
        TemplatePart.Expression expression => expression.Text,
        _ => null,
    }).OfType<string>();

    private static string Rendered(IEnumerable<string> references) =>
        references.ToList() is { Count: > 0 } from ? $" (rendered from {string.Join(", ", from)})" : string.Empty;

    /// <summary>
    /// The URL's host for a message, from the template as written: the references it is rendered from, or the literal
    /// host when there are none (never user info, never the rendered text).
    /// </summary>
    private static string HostAsWritten(HttpNode node, string urlTemplate)
    {
        var authority = SafeHttp.SplitAsWritten(urlTemplate)?.Host ?? urlTemplate;
        var from = References(TemplateParser.Parse(authority)).ToList();
        return from.Count > 0
            ? $"the host of {node.JsonPath}.url, rendered from {string.Join(", ", from)},"
            : $"host {authority} ({node.JsonPath}.url)";
    }
}
