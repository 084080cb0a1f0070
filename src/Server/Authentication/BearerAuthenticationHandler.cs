using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>
/// ASP.NET Core authentication for <c>Authorization: Bearer TOKEN</c>: the token is checked by
/// <see cref="ITokenAuthenticator"/>; failures are counted per client address and answered with problem+json.
/// </summary>
internal sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITokenAuthenticator authenticator,
    FailedAuthenticationLimiter limiter,
    SecretsServerOptions serverOptions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "Bearer";

    /// <summary>The claim type of each token scope.</summary>
    public const string ScopeClaim = CallerIdentity.ScopeClaim;

    private const string FailureItem = "secrets-runtime.auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.IsBlocked(address))
        {
            return Fail("auth.rate_limited");
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return Count(address, "auth.scheme_invalid");
        }

        var token = header[7..].Trim();
        var result = await authenticator.AuthenticateAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (result.Caller is not { } caller)
        {
            return Count(address, result.FailureCode ?? "auth.token_unknown");
        }

        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(CallerIdentity.Create(caller, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var code = Context.Items[FailureItem] as string ?? "auth.token_missing";
        if (code == "auth.rate_limited")
        {
            Response.Headers.RetryAfter = ((int)FailedAuthenticationLimiter.RetryAfter(serverOptions).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.WriteAsync(Context, StatusCodes.Status429TooManyRequests, code, "too many failed authentications from this address; try again later");
        }

        Response.Headers.WWWAuthenticate = code == "auth.token_missing" ? "Bearer" : "Bearer error=\"invalid_token\"";
        var detail = code switch
        {
            "auth.token_missing" => "this endpoint needs Authorization: Bearer TOKEN",
            "auth.scheme_invalid" => "the Authorization header is not 'Bearer TOKEN'",
            "auth.token_expired" => "the token has expired; create a new one with `secrets-runtime token create`",
            "auth.token_revoked" => "the token was revoked",
            _ => "the token is not valid",
        };
        return ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, code, detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status403Forbidden, "auth.scope_missing", "the token does not carry the scope this endpoint needs");

    private AuthenticateResult Count(string address, string code) =>
        Fail(limiter.RecordFailure(address) ? code : "auth.rate_limited");

    private AuthenticateResult Fail(string code)
    {
        Context.Items[FailureItem] = code;
        return AuthenticateResult.Fail(code);
    }
}
