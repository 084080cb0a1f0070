using System.Globalization;
using System.Text;
using Secrets.Runtime.Sandbox.Net;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// The host side of <c>context.Http</c>: a worker has no network, so each call comes over its pipe and is performed
/// here, only to the node's allowed hosts, with supported methods and headers free of control characters, without
/// following redirects, and with the response capped. Refusals and failures become an <see cref="HttpAnswer"/> error
/// the script sees; they never quote a URL in a normalized form (a value in one would pass the masker).
/// </summary>
internal sealed class ScriptHttpProxy : IDisposable
{
    private static readonly HashSet<string> HttpMethods = new(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], StringComparer.Ordinal);
    private readonly HttpClient _http;

    /// <summary>Creates the proxy over <paramref name="handler"/> (null: the safe default handler, owned by the proxy).</summary>
    public ScriptHttpProxy(HttpMessageHandler? handler) =>
        _http = new HttpClient(handler ?? SafeHttp.CreateHandler(), disposeHandler: handler is null);

    /// <summary>Performs one <c>context.Http</c> call for the script, if the node may call that host.</summary>
    /// <param name="call">The call as the worker sent it.</param>
    /// <param name="allowed">The node's allowed hosts.</param>
    /// <param name="limits">The run's limits (the response size).</param>
    /// <param name="logs">The run's log, which gets one line per call.</param>
    /// <param name="mask">Masks the run's secret values in text that reaches the log or the script.</param>
    /// <param name="cancellationToken">The run's deadline.</param>
    /// <remarks>
    /// Messages and logs show the URL only as the script wrote it, masked: <see cref="Uri"/> lower-cases and
    /// normalizes a host, and a value in a normalized form would pass the masker.
    /// </remarks>
    public async Task<HttpAnswer> SendAsync(HttpCall call, HostAllowList allowed, ScriptLimits limits, List<string> logs, Func<string, string> mask, CancellationToken cancellationToken)
    {
        var method = call.Method;
        var url = call.Url;
        if (!HttpMethods.Contains(method))
        {
            return HttpAnswer.Refused(mask($"HTTP method {method} is not supported"));
        }

        // As written by the script, without user info: the host (and port) for refusals, up to the query for the log.
        var written = SafeHttp.SplitAsWritten(url);
        var host = written is { } h ? mask(h.Host) : "(invalid URL)";
        var shown = written is { } w ? mask(w.Scheme + w.Host + w.Path) : "(invalid URL)";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !allowed.Allows(uri))
        {
            logs.Add($"http {method} {host}: refused, not in allowedHosts");
            return HttpAnswer.Refused($"host {host} is not in this node's allowedHosts");
        }

        using var message = new HttpRequestMessage(new HttpMethod(method), uri);
        if (call.Body is { } requestBody)
        {
            message.Content = new StringContent(requestBody, Encoding.UTF8);
            message.Content.Headers.ContentType = null;
        }

        var index = 0;
        foreach (var (name, text) in call.Headers)
        {
            // Checked before anything is sent: a CR or LF would let the script add headers (or a body) of its own.
            if (SafeHttp.HeaderProblem(name, text) is { } problem)
            {
                var which = SafeHttp.IsToken(name) ? $"header {mask(name)}" : $"header #{index + 1}";
                logs.Add($"http {method} {shown}: refused, {which} {problem}");
                return HttpAnswer.Refused($"{which} {problem}");
            }

            if (!message.Headers.TryAddWithoutValidation(name, text) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, text);
            }

            index++;
        }

        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (await SafeHttp.ReadCappedAsync(response.Content, limits.MaxHttpResponseBytes, cancellationToken).ConfigureAwait(false) is not { } body)
            {
                return HttpAnswer.Refused($"limit exceeded: the response is larger than {limits.MaxHttpResponseBytes} bytes");
            }

            logs.Add(string.Create(CultureInfo.InvariantCulture, $"http {method} {shown} -> {(int)response.StatusCode}"));
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                headers[name] = string.Join(", ", values);
            }

            return new HttpAnswer((int)response.StatusCode, headers, Encoding.UTF8.GetString(body), null);
        }
        catch (HttpRequestException ex)
        {
            // The category only: the exception's message can hold the host as Uri normalized it.
            logs.Add($"http {method} {shown}: failed ({ex.HttpRequestError})");
            return HttpAnswer.Refused($"HTTP request to {host} failed: {ex.HttpRequestError}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
