namespace Secrets.Runtime.Sandbox.Net;

/// <summary>What every outbound call of a node (HTTP nodes and <c>context.Http</c>) shares: the handler and the body cap.</summary>
internal static class SafeHttp
{
    /// <summary>A handler that never follows redirects (a redirect could carry a request's secrets elsewhere), 10 s connect timeout.</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// What is wrong with a request header, or null when it may be sent. The name must be an HTTP token; neither may
    /// hold CR, LF or another control character (anything below U+0020 but tab, and U+007F), which could end the
    /// header early and add headers or a body of the sender's choosing. The answer never quotes the name or value.
    /// </summary>
    public static string? HeaderProblem(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsToken(name))
        {
            return name.Any(IsControl)
                ? $"has a control character ({Describe(name.First(IsControl))}) in its name; a header name is letters, digits and !#$%&'*+-.^_`|~"
                : "has a name that is not an HTTP token; a header name is letters, digits and !#$%&'*+-.^_`|~";
        }

        return value.Any(IsControl)
            ? $"has a control character ({Describe(value.First(IsControl))}) in its value; CR, LF and other control characters could add headers to the request, so none is sent"
            : null;
    }

    /// <summary>
    /// A URL split as written, never normalized (<see cref="Uri"/> lower-cases a host, and a value in that form would
    /// pass the masker): the scheme with <c>://</c>, the host and port without user info, and the path without query
    /// or fragment. Null when there is no <c>scheme://</c>. For messages and logs only, never for a decision.
    /// </summary>
    public static (string Scheme, string Host, string Path)? SplitAsWritten(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var rest = url[(schemeEnd + 3)..];
        rest = rest.IndexOfAny(['?', '#']) is var cut and >= 0 ? rest[..cut] : rest;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        return (url[..(schemeEnd + 3)], authority[(authority.LastIndexOf('@') + 1)..], slash < 0 ? string.Empty : rest[slash..]);
    }

    private static bool IsControl(char c) => (c < '\u0020' && c != '\t') || c == '\u007F';

    /// <summary>Whether <paramref name="text"/> is an HTTP token (RFC 9110): what a header name or a method must be.</summary>
    public static bool IsToken(string text) => !string.IsNullOrEmpty(text) && text.All(IsTokenChar);

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static string Describe(char c) => c switch
    {
        '\r' => "CR",
        '\n' => "LF",
        '\0' => "NUL",
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"U+{(int)c:X4}"),
    };

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
