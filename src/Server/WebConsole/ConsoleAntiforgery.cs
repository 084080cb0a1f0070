using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>
/// Requests authenticated by the console's cookie that change something must carry the antiforgery token in
/// <c>X-CSRF-TOKEN</c>: a page on another site can make the browser send the cookie, but cannot read the token.
/// Bearer-token requests are not affected (a browser never adds a bearer token on its own).
/// </summary>
internal static class ConsoleAntiforgery
{
    /// <summary>The header the page sends the token in.</summary>
    public const string HeaderName = "X-CSRF-TOKEN";

    /// <summary>Middleware, placed after authentication.</summary>
    public static async Task ValidateAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.AuthenticationType == ConsoleSessionHandler.SchemeName
            && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && !context.Request.Path.StartsWithSegments("/console/session", StringComparison.Ordinal))
        {
            var antiforgery = context.RequestServices.GetService(typeof(IAntiforgery)) as IAntiforgery;
            if (antiforgery is null || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status403Forbidden, ApiErrors.ConsoleAntiforgeryCode, "the request lacks the console's antiforgery token; reload the page").ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
