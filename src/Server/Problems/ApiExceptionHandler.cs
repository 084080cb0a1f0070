using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Problems;

/// <summary>
/// Turns every exception an endpoint throws into problem+json: library errors by kind and code with their message
/// masked; anything unexpected as a 500 that names only the exception type in the log, never its message.
/// </summary>
internal sealed class ApiExceptionHandler(SecretRedactor redactor, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, errors) = exception switch
        {
            ApiProblemException api => (api.Status, api.Code, api.Message, api.Errors),
            InvalidWorkflowException invalid => (StatusCodes.Status400BadRequest, invalid.Code, $"the workflow is invalid: {invalid.Problems.Count} problem(s) in errors; nothing ran",
                (IReadOnlyList<ApiError>)invalid.Problems.Select(p => new ApiError(redactor.Redact(p.Message), p.JsonPath)).ToList()),
            SecretsRuntimeException library => (ApiProblem.StatusFor(library), library.Code, redactor.Redact(library.Message), (IReadOnlyList<ApiError>)[]),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? Secrets.Runtime.Server.Problems.ApiErrors.RequestTooLargeCode : Secrets.Runtime.Server.Problems.ApiErrors.RequestInvalidCode,
                bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "the request body is larger than this server accepts" : "the request could not be read", (IReadOnlyList<ApiError>)[]),
            JsonException json => (StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestJsonInvalidCode, "the request body is not the JSON this endpoint expects",
                (IReadOnlyList<ApiError>)[new ApiError("not valid JSON for this endpoint", json.Path)]),
            _ => (StatusCodes.Status500InternalServerError, "internal", "the server failed; the log has the error's type", (IReadOnlyList<ApiError>)[]),
        };
        if (status >= 500)
        {
            // The message of a foreign exception may hold anything, a value included: the type names it well enough.
            logger.LogError("request failed with {ExceptionType}", exception.GetType().FullName);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.Clear();
        await ApiProblem.WriteAsync(httpContext, status, code, detail, errors).ConfigureAwait(false);
        return true;
    }
}
