using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>What the console adds to the server: its sessions, antiforgery, and the session scheme that API requests without a bearer token fall back to.</summary>
internal static class ConsoleSetup
{
    /// <summary>The antiforgery cookie (HttpOnly, SameSite=Strict); the page sends the matching request token in <see cref="ConsoleAntiforgery.HeaderName"/>.</summary>
    public const string AntiforgeryCookieName = "secrets_runtime_af";

    /// <summary>Registers the console's services and its authentication scheme.</summary>
    public static void AddServices(IServiceCollection services, AuthenticationBuilder authentication)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConsoleSessions>();
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = ConsoleAntiforgery.HeaderName;
            antiforgery.Cookie.Name = AntiforgeryCookieName;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
        authentication.AddScheme<AuthenticationSchemeOptions, ConsoleSessionHandler>(ConsoleSessionHandler.SchemeName, null);
    }

    /// <summary>
    /// For the bearer scheme's <c>ForwardDefaultSelector</c>: a request with no <c>Authorization</c> header but a console
    /// session cookie is authenticated by the session; any request with a header is judged by its bearer token alone.
    /// </summary>
    public static string? SelectScheme(HttpContext context) =>
        string.IsNullOrEmpty(context.Request.Headers.Authorization) && context.Request.Cookies.ContainsKey(ConsoleSessionHandler.CookieName)
            ? ConsoleSessionHandler.SchemeName
            : null;
}
