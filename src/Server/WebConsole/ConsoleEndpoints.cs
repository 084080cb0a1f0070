using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>
/// The Settings › Secrets console: its embedded page and files under <c>/console</c>, and sign-in and sign-out. The page
/// itself uses only the public API under <c>/api/v1</c>, authenticated by the session cookie set here.
/// </summary>
internal static class ConsoleEndpoints
{
    /// <summary>The policy for console pages: only this origin's own files; no inline script or style; no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Maps the console's routes.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var console = endpoints.MapGroup("/console").AllowAnonymous().ExcludeFromDescription();
        console.MapGet("/", Page);
        console.MapGet("/{file}", (string file, HttpContext context) => File(file, context));
        console.MapGet("/antiforgery", (IAntiforgery antiforgery, HttpContext context) =>
            TypedResults.Ok(new AntiforgeryToken(antiforgery.GetAndStoreTokens(context).RequestToken!)));
        console.MapGet("/session", (Delegate)SessionAsync);
        console.MapPost("/session", SignInAsync);
        console.MapDelete("/session", SignOut);
    }

    private static IResult Page(HttpContext context) => File("index.html", context);

    private static IResult File(string file, HttpContext context)
    {
        if (ConsoleAssets.Find(file) is not { } asset)
        {
            return ApiProblem.Result(StatusCodes.Status404NotFound, ApiErrors.HttpNotFoundCode, "no such console file");
        }

        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>Whether this browser holds a live session, so the page can choose between sign-in and the list without a failed call.</summary>
    private static async Task<IResult> SessionAsync(HttpContext context)
    {
        // The session scheme's own check: the same answer every API call through the cookie would get.
        var live = (await context.AuthenticateAsync(ConsoleSessionHandler.SchemeName).ConfigureAwait(false)).Succeeded;
        return TypedResults.Ok(new SessionState(live));
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, ITokenAuthenticator authenticator, ConsoleSessions sessions, FailedAuthenticationLimiter limiter)
    {
        if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, ApiErrors.ConsoleAntiforgeryCode, "the sign-in form is stale; reload the page");
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.IsBlocked(address))
        {
            return ApiProblem.Result(StatusCodes.Status429TooManyRequests, ApiErrors.AuthRateLimitedCode, "too many failed sign-ins from this address; try again later");
        }

        SignInRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(ConsoleJson.Default.SignInRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            request = null;
        }

        var token = request?.Token?.Trim();
        var result = string.IsNullOrEmpty(token) ? null : await authenticator.AuthenticateAsync(token, context.RequestAborted).ConfigureAwait(false);
        if (result?.Caller is null)
        {
            limiter.RecordFailure(address);
            return ApiProblem.Result(StatusCodes.Status401Unauthorized, result?.FailureCode ?? ApiErrors.AuthTokenMissingCode, "that token was not accepted");
        }

        context.Response.Cookies.Append(ConsoleSessionHandler.CookieName, sessions.Start(token!), CookieOptions(context));
        return TypedResults.NoContent();
    }

    private static IResult SignOut(HttpContext context, ConsoleSessions sessions)
    {
        sessions.End(context.Request.Cookies[ConsoleSessionHandler.CookieName]);
        context.Response.Cookies.Delete(ConsoleSessionHandler.CookieName, CookieOptions(context));
        return TypedResults.NoContent();
    }

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    /// <summary>Whether the browser is signed in.</summary>
    internal sealed record SessionState(bool SignedIn);

    /// <summary>The sign-in body.</summary>
    internal sealed record SignInRequest(string? Token);

    /// <summary>The antiforgery request token the page sends back in <c>X-CSRF-TOKEN</c>.</summary>
    internal sealed record AntiforgeryToken(string Token);
}

/// <summary>Source-generated JSON for the console's own endpoints.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConsoleEndpoints.SignInRequest))]
[JsonSerializable(typeof(ConsoleEndpoints.SessionState))]
[JsonSerializable(typeof(ConsoleEndpoints.AntiforgeryToken))]
internal sealed partial class ConsoleJson : JsonSerializerContext;
