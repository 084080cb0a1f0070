namespace Secrets.Runtime.Server.Problems;

/// <summary>An HTTP-level refusal raised by an endpoint; written as problem+json with its status and stable code.</summary>
public sealed class ApiProblemException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public ApiProblemException(int status, string code, string message, IReadOnlyList<ApiError>? errors = null)
        : base(message)
    {
        Status = status;
        Code = code;
        Errors = errors ?? [];
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The stable error code.</summary>
    public string Code { get; }

    /// <summary>The problems, one per field or line.</summary>
    public IReadOnlyList<ApiError> Errors { get; }
}
