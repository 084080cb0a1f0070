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
            return Fail(Secrets.Runtime.Server.Problems.ApiErrors.AuthRateLimitedCode);
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return Count(address, Secrets.Runtime.Server.Problems.ApiErrors.AuthSchemeInvalidCode);
        }

        var token = header[7..].Trim();
        var result = await authenticator.AuthenticateAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (result.Caller is not { } caller)
        {
            return Count(address, result.FailureCode ?? Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenUnknownCode);
        }

        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(CallerIdentity.Create(caller, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var code = Context.Items[FailureItem] as string ?? Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenMissingCode;
        if (code == Secrets.Runtime.Server.Problems.ApiErrors.AuthRateLimitedCode)
        {
            Response.Headers.RetryAfter = ((int)FailedAuthenticationLimiter.RetryAfter(serverOptions).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.WriteAsync(Context, StatusCodes.Status429TooManyRequests, code, "too many failed authentications from this address; try again later");
        }

        Response.Headers.WWWAuthenticate = code == Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenMissingCode ? "Bearer" : "Bearer error=\"invalid_token\"";
        var detail = code switch
        {
            Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenMissingCode => "this endpoint needs Authorization: Bearer TOKEN",
            Secrets.Runtime.Server.Problems.ApiErrors.AuthSchemeInvalidCode => "the Authorization header is not 'Bearer TOKEN'",
            Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenExpiredCode => "the token has expired; create a new one with `secrets-runtime token create`",
            Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenRevokedCode => "the token was revoked",
            _ => "the token is not valid",
        };
        return ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, code, detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblem.WriteAsync(Context, StatusCodes.Status403Forbidden, Secrets.Runtime.Server.Problems.ApiErrors.AuthScopeMissingCode, "the token does not carry the scope this endpoint needs");

    private AuthenticateResult Count(string address, string code) =>
        Fail(limiter.RecordFailure(address) ? code : Secrets.Runtime.Server.Problems.ApiErrors.AuthRateLimitedCode);

    private AuthenticateResult Fail(string code)
    {
        Context.Items[FailureItem] = code;
        return AuthenticateResult.Fail(code);
    }
}
