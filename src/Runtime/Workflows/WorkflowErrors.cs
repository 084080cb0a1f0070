using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Workflows;

/// <summary>The error codes of workflows, their nodes, HTTP nodes and run records, and the factories of the exceptions that carry them (code and kind paired once, here).</summary>
public static class WorkflowErrors
{
    /// <summary><c>http.header_invalid</c> (Refused).</summary>
    public const string HttpHeaderInvalidCode = "http.header_invalid";

    /// <summary><c>http.host_denied</c> (Refused).</summary>
    public const string HttpHostDeniedCode = "http.host_denied";

    /// <summary><c>http.method_invalid</c> (Refused).</summary>
    public const string HttpMethodInvalidCode = "http.method_invalid";

    /// <summary><c>http.request_failed</c> (Refused).</summary>
    public const string HttpRequestFailedCode = "http.request_failed";

    /// <summary><c>http.response_too_large</c> (LimitExceeded).</summary>
    public const string HttpResponseTooLargeCode = "http.response_too_large";

    /// <summary><c>http.status</c> (Refused).</summary>
    public const string HttpStatusCode = "http.status";

    /// <summary><c>http.url_invalid</c> (Refused).</summary>
    public const string HttpUrlInvalidCode = "http.url_invalid";

    /// <summary><c>node.expression_unavailable</c> (Refused).</summary>
    public const string NodeExpressionUnavailableCode = "node.expression_unavailable";

    /// <summary><c>node.type_unavailable</c> (Refused).</summary>
    public const string NodeTypeUnavailableCode = "node.type_unavailable";

    /// <summary><c>run.corrupt</c> (Integrity).</summary>
    public const string RunCorruptCode = "run.corrupt";

    /// <summary><c>run.id_invalid</c> (InvalidInput).</summary>
    public const string RunIdInvalidCode = "run.id_invalid";

    /// <summary><c>run.not_found</c> (NotFound).</summary>
    public const string RunNotFoundCode = "run.not_found";

    /// <summary><c>workflow.folder_not_found</c> (InvalidInput).</summary>
    public const string FolderNotFoundCode = "workflow.folder_not_found";

    /// <summary><c>workflow.invalid</c> (InvalidInput).</summary>
    public const string InvalidCode = "workflow.invalid";

    /// <summary>A <see cref="NodeFailedException"/> with code <c>http.header_invalid</c>.</summary>
    internal static NodeFailedException HttpHeaderInvalid(string nodeId, string message) => new(nodeId, HttpHeaderInvalidCode, ErrorKind.Refused, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>http.host_denied</c>.</summary>
    internal static NodeFailedException HttpHostDenied(string nodeId, string message) => new(nodeId, HttpHostDeniedCode, ErrorKind.Refused, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>http.method_invalid</c>.</summary>
    internal static NodeFailedException HttpMethodInvalid(string nodeId, string message) => new(nodeId, HttpMethodInvalidCode, ErrorKind.Refused, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>http.request_failed</c>.</summary>
    internal static NodeFailedException HttpRequestFailed(string nodeId, string message) => new(nodeId, HttpRequestFailedCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>http.response_too_large</c>.</summary>
    internal static SecretsRuntimeException HttpResponseTooLarge(string message) => new(HttpResponseTooLargeCode, ErrorKind.LimitExceeded, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>http.url_invalid</c>.</summary>
    internal static NodeFailedException HttpUrlInvalid(string nodeId, string message) => new(nodeId, HttpUrlInvalidCode, ErrorKind.Refused, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>node.expression_unavailable</c>.</summary>
    internal static NodeFailedException NodeExpressionUnavailable(string nodeId, string message) => new(nodeId, NodeExpressionUnavailableCode, ErrorKind.Refused, message);

    /// <summary>A <see cref="NodeFailedException"/> with code <c>node.type_unavailable</c>.</summary>
    internal static NodeFailedException NodeTypeUnavailable(string nodeId, string message) => new(nodeId, NodeTypeUnavailableCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>run.corrupt</c>.</summary>
    internal static SecretsRuntimeException RunCorrupt(string message) => new(RunCorruptCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>run.id_invalid</c>.</summary>
    internal static SecretsRuntimeException RunIdInvalid(string message) => new(RunIdInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>run.not_found</c>.</summary>
    internal static SecretsRuntimeException RunNotFound(string message) => new(RunNotFoundCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>workflow.folder_not_found</c>.</summary>
    internal static SecretsRuntimeException FolderNotFound(string message) => new(FolderNotFoundCode, ErrorKind.InvalidInput, message);
}
