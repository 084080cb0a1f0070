using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Problems;

/// <summary>RFC 9457 problem+json with the two members every error of this API carries: <c>code</c> and <c>errors</c>.</summary>
public static class ApiProblem
{
    /// <summary>The problem as a result.</summary>
    public static IResult Result(int status, string code, string detail, IReadOnlyList<ApiError>? errors = null) =>
        TypedResults.Problem(Create(status, code, detail, errors));

    /// <summary>Writes the problem to <paramref name="context"/>'s response.</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string detail, IReadOnlyList<ApiError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result(status, code, detail, errors).ExecuteAsync(context);
    }

    /// <summary>The problem details object, with <c>code</c> and <c>errors</c> extensions.</summary>
    public static ProblemDetails Create(int status, string code, string detail, IReadOnlyList<ApiError>? errors = null) => new()
    {
        Status = status,
        Title = ReasonPhrases.GetReasonPhrase(status),
        Type = "https://secrets-runtime.dev/problems/" + code,
        Detail = detail,
        Extensions =
        {
            ["code"] = code,
            ["errors"] = errors ?? [],
        },
    };

    /// <summary>The status for a library error: by its kind, with check-and-set conflicts as 412.</summary>
    public static int StatusFor(SecretsRuntimeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Kind switch
        {
            ErrorKind.InvalidInput when exception.Code == StoreErrors.ValueTooLongCode => StatusCodes.Status413PayloadTooLarge,
            ErrorKind.InvalidInput => StatusCodes.Status400BadRequest,
            ErrorKind.PermissionDenied => StatusCodes.Status403Forbidden,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict when exception.Code is StoreErrors.PreconditionFailedCode or StoreErrors.AlreadyExistsCode or StoreErrors.ConflictCode => StatusCodes.Status412PreconditionFailed,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            ErrorKind.Refused => StatusCodes.Status409Conflict,
            ErrorKind.LimitExceeded => StatusCodes.Status413PayloadTooLarge,
            _ => StatusCodes.Status500InternalServerError,
        };
    }
}
