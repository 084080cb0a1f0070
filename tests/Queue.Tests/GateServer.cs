using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>
/// A local HTTP server that records every request (path and Authorization header). <c>/hold/...</c> answers only
/// once <see cref="Release"/> is called; <c>/fail/...</c> answers 500; anything else answers 200 at once.
/// </summary>
internal sealed class GateServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _arrivals = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public GateServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string BaseAddress => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<(string Path, string? Authorization)> Received { get; } = new();

    public int Count(string path) => Received.Count(r => r.Path == path);

    /// <summary>Completes when a request for <paramref name="path"/> has arrived.</summary>
    public Task ArrivedAsync(string path) => _arrivals.GetOrAdd(path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(120));

    public void Release() => _gate.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }

        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        Received.Enqueue((path, context.Request.Headers["Authorization"]));
        _arrivals.GetOrAdd(path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            if (path.StartsWith("/hold/", StringComparison.Ordinal))
            {
                await _gate.Task;
            }

            context.Response.StatusCode = path.StartsWith("/fail/", StringComparison.Ordinal) ? 500 : 200;
            context.Response.ContentType = "application/json";
            var body = Encoding.UTF8.GetBytes("{\"ok\":true}");
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The caller went away (a killed worker, a cancelled run).
        }
    }
}
