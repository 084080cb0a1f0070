namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>One <see cref="ScriptHttp"/> call as the script made it, on its way to the host (scripts never see this type).</summary>
/// <param name="Method">The method, upper-cased.</param>
/// <param name="Url">The URL as written.</param>
/// <param name="Headers">Request headers.</param>
/// <param name="Body">The request body, or null.</param>
internal sealed record ScriptHttpRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string? Body);
