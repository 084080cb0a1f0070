using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Secrets.Runtime.Server.Tests;

public sealed class OpenApiTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task The_document_lists_every_endpoint_with_its_responses()
    {
        var response = await _server.CreateClient().GetAsync(Api.Url("/openapi/v1.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");

        // Every route the server maps (but the document itself) is in the document with the same method...
        // The web console's page, files and sign-in are browser plumbing, excluded from the API's description; nothing
        // else may be.
        var endpoints = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var excluded = endpoints.Where(e => e.Metadata.OfType<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>().Any(m => m.ExcludeFromDescription)).ToList();
        Assert.NotEmpty(excluded);
        Assert.All(excluded, e => Assert.True(e.RoutePattern.RawText!.StartsWith("/console", StringComparison.Ordinal) || e.RoutePattern.RawText.StartsWith("/openapi", StringComparison.Ordinal), e.RoutePattern.RawText));
        var routes = endpoints.Except(excluded)
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Normalize(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .Distinct()
            .ToList();
        Assert.True(routes.Count >= 40, $"only {routes.Count} routes found");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");

            // ...with a success answer and, for the API, the problem answers it documents.
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.Contains(responses, r => r.StartsWith('2'));
            if (path.StartsWith("/api/", StringComparison.Ordinal))
            {
                Assert.Contains("401", responses);
                Assert.Contains("403", responses);
            }
        }

        Assert.True(paths.TryGetProperty("/api/v1/projects/{owner}/secrets/{name}", out var secret));
        Assert.Equal(["200", "201", "400", "401", "403", "409", "412", "413"], secret.GetProperty("put").GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    // Route templates carry constraints ({version:int}) and trailing slashes the document drops.
    private static string Normalize(string raw)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(raw, "{([a-zA-Z]+):[a-z]+}", "{$1}").TrimEnd('/');
        return path.StartsWith('/') ? path : "/" + path;
    }
}
