namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Worker to host: one <c>context.Http</c> call; the host answers with an <see cref="HttpAnswer"/>.</summary>
/// <param name="Method">The HTTP method as the script wrote it, upper-cased.</param>
/// <param name="Url">The URL as the script wrote it.</param>
/// <param name="Headers">Request headers.</param>
/// <param name="Body">The request body, or null.</param>
internal sealed record HttpCall(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string? Body) : WorkerMessage;
