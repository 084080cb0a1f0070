using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Http;

/// <summary>The authenticated caller of a request, as the bearer handler left it.</summary>
internal static class Callers
{
    public static ApiCaller Of(HttpContext context) => context.Features.Get<ApiCaller>()
        ?? throw new ApiProblemException(StatusCodes.Status401Unauthorized, Secrets.Runtime.Server.Problems.ApiErrors.AuthTokenMissingCode, "this endpoint needs Authorization: Bearer TOKEN");

    public static Principal PrincipalOf(HttpContext context) => Of(context).Principal;
}
