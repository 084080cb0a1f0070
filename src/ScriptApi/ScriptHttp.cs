namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// <c>context.Http</c>: the only way a script reaches the network. The worker has no network of its own; each call
/// goes over the worker's pipe to the host, which checks the node's <c>allowedHosts</c> (default: none), sends it
/// without following redirects, and returns the response (capped). Refused calls throw <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class ScriptHttp
{
    private readonly Func<ScriptHttpRequest, Task<ScriptHttpResponse>> _transport;

    /// <summary>Creates the client over <paramref name="transport"/>, which throws <see cref="InvalidOperationException"/> for a refused call.</summary>
    internal ScriptHttp(Func<ScriptHttpRequest, Task<ScriptHttpResponse>> transport) => _transport = transport;

    /// <summary>Sends a request through the host.</summary>
    /// <param name="method">GET, POST, PUT, PATCH, DELETE or HEAD.</param>
    /// <param name="url">An absolute http or https URL whose host is in the node's allowed hosts.</param>
    /// <param name="headers">Request headers, or null.</param>
    /// <param name="body">The request body, or null.</param>
    public async Task<ScriptHttpResponse> SendAsync(string method, string url, IReadOnlyDictionary<string, string>? headers = null, string? body = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var copied = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            copied[name] = value;
        }

        return await _transport(new ScriptHttpRequest(method.ToUpperInvariant(), url, copied, body)).ConfigureAwait(false);
    }

    /// <summary>GET <paramref name="url"/>.</summary>
    public Task<ScriptHttpResponse> GetAsync(string url, IReadOnlyDictionary<string, string>? headers = null) => SendAsync("GET", url, headers);

    /// <summary>POST <paramref name="body"/> to <paramref name="url"/>.</summary>
    public Task<ScriptHttpResponse> PostAsync(string url, string body, IReadOnlyDictionary<string, string>? headers = null) => SendAsync("POST", url, headers, body);
}
