namespace Secrets.Runtime.Server.Problems;

/// <summary>The error codes the HTTP API adds to the library's: every <c>code</c> a problem+json answer can carry that no library catalogue holds.</summary>
public static class ApiErrors
{
    /// <summary><c>console.antiforgery</c>.</summary>
    public const string ConsoleAntiforgeryCode = "console.antiforgery";

    /// <summary><c>console.session_expired</c>.</summary>
    public const string ConsoleSessionExpiredCode = "console.session_expired";

    /// <summary><c>console.signed_out</c>.</summary>
    public const string ConsoleSignedOutCode = "console.signed_out";

    /// <summary><c>auth.rate_limited</c>.</summary>
    public const string AuthRateLimitedCode = "auth.rate_limited";

    /// <summary><c>auth.scheme_invalid</c>.</summary>
    public const string AuthSchemeInvalidCode = "auth.scheme_invalid";

    /// <summary><c>auth.scope_missing</c>.</summary>
    public const string AuthScopeMissingCode = "auth.scope_missing";

    /// <summary><c>auth.token_expired</c>.</summary>
    public const string AuthTokenExpiredCode = "auth.token_expired";

    /// <summary><c>auth.token_missing</c>.</summary>
    public const string AuthTokenMissingCode = "auth.token_missing";

    /// <summary><c>auth.token_revoked</c>.</summary>
    public const string AuthTokenRevokedCode = "auth.token_revoked";

    /// <summary><c>auth.token_unknown</c>.</summary>
    public const string AuthTokenUnknownCode = "auth.token_unknown";

    /// <summary><c>http.method_not_allowed</c>.</summary>
    public const string HttpMethodNotAllowedCode = "http.method_not_allowed";

    /// <summary><c>http.not_found</c>.</summary>
    public const string HttpNotFoundCode = "http.not_found";

    /// <summary><c>http.unsupported_media_type</c>.</summary>
    public const string HttpUnsupportedMediaTypeCode = "http.unsupported_media_type";

    /// <summary><c>import.invalid</c>.</summary>
    public const string ImportInvalidCode = "import.invalid";

    /// <summary><c>request.cursor_invalid</c>.</summary>
    public const string RequestCursorInvalidCode = "request.cursor_invalid";

    /// <summary><c>request.encoding_invalid</c>.</summary>
    public const string RequestEncodingInvalidCode = "request.encoding_invalid";

    /// <summary><c>request.filter_conflict</c>.</summary>
    public const string RequestFilterConflictCode = "request.filter_conflict";

    /// <summary><c>request.if_match_invalid</c>.</summary>
    public const string RequestIfMatchInvalidCode = "request.if_match_invalid";

    /// <summary><c>request.invalid</c>.</summary>
    public const string RequestInvalidCode = "request.invalid";

    /// <summary><c>request.json_invalid</c>.</summary>
    public const string RequestJsonInvalidCode = "request.json_invalid";

    /// <summary><c>request.limit_invalid</c>.</summary>
    public const string RequestLimitInvalidCode = "request.limit_invalid";

    /// <summary><c>request.scope_invalid</c>.</summary>
    public const string RequestScopeInvalidCode = "request.scope_invalid";

    /// <summary><c>request.too_large</c>.</summary>
    public const string RequestTooLargeCode = "request.too_large";

    /// <summary><c>run.not_cancellable</c>.</summary>
    public const string RunNotCancellableCode = "run.not_cancellable";

    /// <summary><c>run.project_forbidden</c>.</summary>
    public const string RunProjectForbiddenCode = "run.project_forbidden";

    /// <summary><c>run.trigger_invalid</c>.</summary>
    public const string RunTriggerInvalidCode = "run.trigger_invalid";

    /// <summary><c>secret.not_found</c>.</summary>
    public const string SecretNotFoundCode = "secret.not_found";

    /// <summary><c>server.stopping</c>.</summary>
    public const string ServerStoppingCode = "server.stopping";

    /// <summary><c>store.unreachable</c>.</summary>
    public const string StoreUnreachableCode = "store.unreachable";

    /// <summary><c>workflow.address_mismatch</c>.</summary>
    public const string WorkflowAddressMismatchCode = "workflow.address_mismatch";

    /// <summary><c>workflow.forbidden</c>.</summary>
    public const string WorkflowForbiddenCode = "workflow.forbidden";

    /// <summary><c>workflow.name_invalid</c>.</summary>
    public const string WorkflowNameInvalidCode = "workflow.name_invalid";

    /// <summary><c>workflow.not_found</c>.</summary>
    public const string WorkflowNotFoundCode = "workflow.not_found";
}
