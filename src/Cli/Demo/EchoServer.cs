using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Cli.Demo;

/// <summary>
/// A local HTTP server on 127.0.0.1 that records each request and answers with it as JSON, like an API that echoes
/// what it was sent. Used by <c>demo</c> and by the tests that run the samples end to end.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    private EchoServer(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException)
        {
            Close(_listener);
            throw;
        }

        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The base address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseAddress => $"http://127.0.0.1:{Port}";

    /// <summary>Every request received, in order, as the JSON it was echoed with.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>
    /// Stops and closes a listener. The managed listener looks its port up again to unregister, and can fail with
    /// "address already in use" when another process has bound that port since; there is nothing left to release then.
    /// </summary>
    private static void Close(HttpListener listener)
    {
        try
        {
            listener.Stop();
            listener.Close();
        }
        catch (HttpListenerException)
        {
        }
    }

    /// <summary>A port of 127.0.0.1 that was free a moment ago (another process may take it before it is bound).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Starts a server on <paramref name="port"/> of 127.0.0.1.</summary>
    /// <exception cref="HttpListenerException">The port is taken.</exception>
    public static EchoServer Start(int port) => new(port);

    /// <summary>Starts a server on a free port.</summary>
    public static EchoServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new EchoServer(FreePort());
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between the probe and the bind; try another.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Close(_listener);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var headers = new JsonObject();
            foreach (var key in context.Request.Headers.AllKeys.OfType<string>().Order(StringComparer.OrdinalIgnoreCase))
            {
                headers[key] = context.Request.Headers[key];
            }

            var echo = new JsonObject
            {
                ["method"] = context.Request.HttpMethod,
                ["path"] = context.Request.Url?.PathAndQuery,
                ["headers"] = headers,
                ["body"] = body,
            };
            Requests.Enqueue(echo);

            var bytes = Encoding.UTF8.GetBytes(echo.ToJsonString());
            context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/status/401" ? 401 : 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }
}
