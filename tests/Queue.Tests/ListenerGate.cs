using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>
/// A TCP proxy in front of the PostgreSQL test server that reads each connection's startup message and refuses the
/// connections whose <c>application_name</c> is in <see cref="Refused"/> (the store's change listener, the worker's
/// cancel listener); every other connection passes through untouched. Clients must not ask for TLS.
/// </summary>
internal sealed class ListenerGate : IAsyncDisposable
{
    private const int SslRequest = 80877103;
    private const int GssEncRequest = 80877104;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _refusals;

    public ListenerGate(string connection)
    {
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(connection);
        (_upstreamHost, _upstreamPort) = (settings.Host!, settings.Port);
        _listener.Start();
        Connection = new Npgsql.NpgsqlConnectionStringBuilder(connection) { Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port, SslMode = Npgsql.SslMode.Disable }.ConnectionString;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The connection string through the gate.</summary>
    public string Connection { get; }

    /// <summary>The application names refused now (change it at any time).</summary>
    public HashSet<string> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>How many connections were refused so far.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                var fromClient = client.GetStream();
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                var toServer = upstream.GetStream();
                while (true)
                {
                    var header = new byte[8];
                    await fromClient.ReadExactlyAsync(header, _stop.Token);
                    var length = BinaryPrimitives.ReadInt32BigEndian(header);
                    var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                    if (length == 8 && code is SslRequest or GssEncRequest)
                    {
                        // Encryption negotiation: the server says no (N) and the startup message follows in clear.
                        await toServer.WriteAsync(header, _stop.Token);
                        var answer = new byte[1];
                        await toServer.ReadExactlyAsync(answer, _stop.Token);
                        await fromClient.WriteAsync(answer, _stop.Token);
                        if (answer[0] == (byte)'N')
                        {
                            continue;
                        }

                        break;
                    }

                    var rest = new byte[length - 8];
                    await fromClient.ReadExactlyAsync(rest, _stop.Token);
                    if (ApplicationName(rest) is { } name && Refused.Contains(name))
                    {
                        Interlocked.Increment(ref _refusals);
                        return;
                    }

                    await toServer.WriteAsync(header, _stop.Token);
                    await toServer.WriteAsync(rest, _stop.Token);
                    break;
                }

                await Task.WhenAny(fromClient.CopyToAsync(toServer, _stop.Token), toServer.CopyToAsync(fromClient, _stop.Token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
            {
                // Either side went away.
            }
        }
    }

    /// <summary>The application_name among the startup message's parameters (NUL-terminated key/value pairs).</summary>
    private static string? ApplicationName(byte[] parameters)
    {
        var parts = Encoding.UTF8.GetString(parameters).Split('\0');
        for (var i = 0; i + 1 < parts.Length; i += 2)
        {
            if (parts[i] == "application_name")
            {
                return parts[i + 1];
            }
        }

        return null;
    }
}
