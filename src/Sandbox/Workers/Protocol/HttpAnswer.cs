namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Host to worker: the response to an <see cref="HttpCall"/>, or why it was refused or failed.</summary>
/// <param name="Status">The HTTP status code; null when <paramref name="Error"/> is set.</param>
/// <param name="Headers">Response headers (repeated ones joined with a comma).</param>
/// <param name="Body">The body as text.</param>
/// <param name="Error">Why no response came back (the script sees it as an exception message).</param>
internal sealed record HttpAnswer(int? Status, IReadOnlyDictionary<string, string>? Headers, string? Body, string? Error) : WorkerMessage
{
    /// <summary>An answer that refuses the call.</summary>
    public static HttpAnswer Refused(string error) => new(null, null, null, error);

    /// <inheritdoc />
    public override bool IsWellFormed => (Status is null) != (Error is null);
}
