using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.WebConsole;

/// <summary>
/// Authenticates the console's requests by their session cookie: the session's API token is checked again by
/// <see cref="ITokenAuthenticator"/> on every request, and the request then acts exactly as that token would.
/// Unsafe methods must also carry the antiforgery token (<see cref="ConsoleAntiforgery"/>).
/// </summary>
internal sealed class ConsoleSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITokenAuthenticator authenticator,
    ConsoleSessions sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ConsoleSession";

    /// <summary>The session cookie: a random id, HttpOnly, SameSite=Strict, Secure over HTTPS.</summary>
    public const string CookieName = "secrets_runtime_session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var id = Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(id))
        {
            return AuthenticateResult.NoResult();
        }

        var token = sessions.TokenOf(id);
        if (token is null)
        {
            return AuthenticateResult.Fail(ApiErrors.ConsoleSessionExpiredCode);
        }

        var result = await authenticator.AuthenticateAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (result.Caller is not { } caller)
        {
            sessions.End(id);
            return AuthenticateResult.Fail(result.FailureCode ?? ApiErrors.AuthTokenUnknownCode);
        }

        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(CallerIdentity.Create(caller, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, ApiErrors.ConsoleSignedOutCode, "the console session has ended; sign in again");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status403Forbidden, ApiErrors.AuthScopeMissingCode, "the token does not carry the scope this endpoint needs");
}
