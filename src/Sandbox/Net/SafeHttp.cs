namespace Secrets.Runtime.Sandbox.Net;

/// <summary>What every outbound call of a node (HTTP nodes and <c>context.Http</c>) shares: the handler and the body cap.</summary>
public static class SafeHttp
{
    /// <summary>A handler that never follows redirects (a redirect could carry a request's secrets elsewhere), 10 s connect timeout.</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>The response body, or null as soon as it is larger than <paramref name="maxBytes"/> (the rest is never read).</summary>
    public static async Task<byte[]?> ReadCappedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
