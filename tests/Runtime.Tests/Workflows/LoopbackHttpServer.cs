using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Secrets.Runtime.Tests.Workflows;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 that keeps every byte each connection sent (so a test sees an injected header
/// exactly as it went over the wire, or that nothing came at all) and answers <c>200 {}</c>.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The base address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The host and port, as an <c>allowedHosts</c> entry.</summary>
    public string HostPort => BaseAddress["http://".Length..];

    /// <summary>What each connection sent, in full, in order of arrival.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var bytes = new List<byte>();
            var buffer = new byte[4096];
            int read;
            while (!HasWholeRequest(bytes) && (read = await stream.ReadAsync(buffer)) > 0)
            {
                bytes.AddRange(buffer.AsSpan(0, read));
            }

            Received.Enqueue(Encoding.Latin1.GetString(bytes.ToArray()));
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8.ToArray());
        }
    }

    /// <summary>Headers ended and as much body as Content-Length says (a request without one has no body here).</summary>
    private static bool HasWholeRequest(List<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var length = text[..end].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } line
            ? int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        return text.Length >= end + 4 + length;
    }
}
