namespace Secrets.Runtime.Server.Problems;

/// <summary>One problem in a problem+json <c>errors</c> list: what is wrong and where (a JSON pointer or path, a line). Never a value.</summary>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Pointer">Where in the request: a JSON path (<c>$.nodes[0].url</c>), a header or a query parameter, or null.</param>
/// <param name="Line">The line of a <c>.env</c> body, or null.</param>
#pragma warning disable CA1720 // "Pointer" is problem+json's name for where the error is (RFC 6901 JSON Pointer), not a pointer type.
public sealed record ApiError(string Message, string? Pointer = null, int? Line = null);
#pragma warning restore CA1720
