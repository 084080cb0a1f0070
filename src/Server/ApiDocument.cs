using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Secrets.Runtime.Server;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c>: title, version and the bearer scheme every <c>/api</c> operation uses.</summary>
internal static class ApiDocument
{
    public static void Configure(OpenApiOptions options) =>
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "secrets-runtime",
                Version = "v1",
                Description = "Secrets, workflows and runs. No response ever carries a secret value; errors are RFC 9457 problem+json with a stable code and an errors list.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A token from `secrets-runtime token create` (or the bootstrap token printed on first start).",
            };
            return Task.CompletedTask;
        });
}
