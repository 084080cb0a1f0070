using Microsoft.AspNetCore.Http;

namespace Secrets.Runtime.Server.Http;

/// <summary>The headers every response carries: no sniffing, no framing, no referrer, no caching, nothing loaded from anywhere.</summary>
internal static class SecurityHeaders
{
    /// <summary>The headers and their values.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> All { get; } =
    [
        new("X-Content-Type-Options", "nosniff"),
        new("X-Frame-Options", "DENY"),
        new("Referrer-Policy", "no-referrer"),
        new("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        new("Cross-Origin-Opener-Policy", "same-origin"),
        new("Cross-Origin-Resource-Policy", "same-origin"),
        new("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        new("Cache-Control", "no-store"),
    ];

    /// <summary>Sets the headers when the response starts (after the endpoint, so nothing overwrites them).</summary>
    public static Task ApplyAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            foreach (var (name, value) in All)
            {
                context.Response.Headers[name] = value;
            }

            if (context.Request.Path.StartsWithSegments("/console", StringComparison.Ordinal))
            {
                // The console's page runs this origin's own scripts and styles; still nothing inline, nothing from elsewhere.
                context.Response.Headers.ContentSecurityPolicy = WebConsole.ConsoleEndpoints.ContentSecurityPolicy;
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
