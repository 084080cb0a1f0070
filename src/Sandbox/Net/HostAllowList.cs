using System.Globalization;

namespace Secrets.Runtime.Sandbox.Net;

/// <summary>
/// The hosts a node may send requests to. Entries are <c>host</c> (any port), <c>host:port</c>, or <c>*.domain</c>
/// (any subdomain, not the domain itself). Deny by default: an empty list allows nothing.
/// </summary>
internal sealed class HostAllowList
{
    private readonly IReadOnlyList<string> _entries;

    /// <summary>Creates the list from its entries (case-insensitive).</summary>
    public HostAllowList(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0).ToList();
    }

    /// <summary>The entries, lower-cased.</summary>
    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Whether <paramref name="uri"/> (absolute http or https) may be called.</summary>
    public bool Allows(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        var host = uri.IdnHost.ToLowerInvariant();
        var hostPort = string.Create(CultureInfo.InvariantCulture, $"{host}:{uri.Port}");
        return _entries.Any(e =>
            e == host || e == hostPort || (e.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(e[1..], StringComparison.Ordinal)));
    }

    /// <summary>
    /// The default for an HTTP node without <c>allowedHosts</c>: the host of the URL as written, when the scheme and
    /// host are literal text. A host that comes from a reference gets an empty list, so a rendered value can never
    /// redirect a request (and the secrets in it) elsewhere.
    /// </summary>
    public static HostAllowList ForLiteralUrl(string urlTemplate)
    {
        ArgumentNullException.ThrowIfNull(urlTemplate);
        var schemeEnd = urlTemplate.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return new HostAllowList([]);
        }

        var authorityEnd = urlTemplate.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
        var prefix = authorityEnd < 0 ? urlTemplate : urlTemplate[..authorityEnd];
        if (prefix.Contains("{{", StringComparison.Ordinal) || !Uri.TryCreate(prefix, UriKind.Absolute, out var uri))
        {
            return new HostAllowList([]);
        }

        return new HostAllowList([string.Create(CultureInfo.InvariantCulture, $"{uri.IdnHost}:{uri.Port}")]);
    }
}
