using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// <c>context.Http</c>: performed by the host for the worker (which has no network of its own under bubblewrap), to the
/// node's allowed hosts only, without following redirects, with the response capped.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class ScriptHttpTests : IDisposable
{
    private const string Token = "tok_live_9d8c7b6a5f4e3d2c";
    private const string HostSecret = "Sk_Live_Q7wErTy9Zx";
    private readonly HttpListener _server = new();
    private readonly ConcurrentQueue<(string Path, string? Authorization, string Body)> _received = new();
    private readonly int _port;
    private readonly ScriptRunner _runner;

    public ScriptHttpTests(ScriptRunnerFixture workers)
    {
        _runner = workers.Runner;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _server.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _server.Start();
        _ = Task.Run(ServeAsync);
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    public void Dispose()
    {
        try
        {
            _server.Close();
        }
        catch (HttpListenerException)
        {
            // Unregistering can fail once another process holds the port; nothing is left open then.
        }
    }

    private async Task ServeAsync()
    {
        while (_server.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _server.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            _received.Enqueue((path, context.Request.Headers["Authorization"], body));
            var response = context.Response;
            if (path == "/redirect")
            {
                response.StatusCode = 302;
                response.RedirectLocation = Url("/elsewhere");
            }

            var payload = path == "/big" ? new string('b', 2 * 1024 * 1024) : $"{{\"path\":\"{path}\",\"got\":{body.Length}}}";
            var bytes = Encoding.UTF8.GetBytes(payload);
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
    }

    private Task<ScriptResult> Run(string source, params string[] allowedHosts) => _runner.RunAsync(new ScriptRequest
    {
        Source = source,
        Secrets = new Dictionary<string, string> { ["Token"] = Token, ["Host"] = HostSecret },
        AllowedHosts = allowedHosts,
    });

    [Fact]
    public async Task A_script_calls_an_allowed_host_through_the_host_with_its_aliased_secret()
    {
        var result = await Run($$"""
            var response = await context.Http.PostAsync("{{Url("/hook")}}", "{\"order\":42}", new Dictionary<string, string> { ["Authorization"] = "Bearer " + context.Secrets["Token"] });
            return new JsonObject { ["status"] = response.Status, ["echo"] = response.Json(), ["type"] = response.Headers["Content-Type"] };
            """, $"127.0.0.1:{_port}");

        Assert.True(result.Status == ScriptStatus.Ok, result.Error);
        Assert.Equal(200, result.Value!["status"]!.GetValue<int>());
        Assert.Equal("/hook", result.Value!["echo"]!["path"]!.GetValue<string>());
        Assert.Equal("application/json", result.Value!["type"]!.GetValue<string>());
        var received = Assert.Single(_received);
        Assert.Equal(("Bearer " + Token, "{\"order\":42}"), (received.Authorization, received.Body));
        Assert.Contains($"http POST {Url("/hook")} -> 200", result.Logs);
    }

    [Fact]
    public async Task By_default_a_script_may_call_no_host_at_all()
    {
        var result = await Run($$"""
            try { await context.Http.GetAsync("{{Url("/steal?k=")}}" + context.Secrets["Token"]); return "sent"; }
            catch (InvalidOperationException e) { return e.Message; }
            """);

        Assert.Equal($"host 127.0.0.1:{_port} is not in this node's allowedHosts", result.Value!.GetValue<string>());
        Assert.Empty(_received);
        Assert.Contains($"http GET 127.0.0.1:{_port}: refused, not in allowedHosts", result.Logs);
    }

    [Fact]
    public async Task A_host_that_is_not_listed_is_refused_even_when_another_is()
    {
        var result = await Run($"return (await context.Http.GetAsync(\"{Url("/x")}\")).Status;", "api.example.com", "127.0.0.1:1");

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Contains("not in this node's allowedHosts", result.Error, StringComparison.Ordinal);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task Redirects_are_returned_to_the_script_not_followed()
    {
        var result = await Run($"var r = await context.Http.GetAsync(\"{Url("/redirect")}\"); return r.Status + \" \" + r.Headers[\"Location\"];", $"127.0.0.1:{_port}");

        Assert.Equal($"302 {Url("/elsewhere")}", result.Value!.GetValue<string>());
        Assert.Equal(["/redirect"], _received.Select(r => r.Path));
    }

    [Fact]
    public async Task An_oversized_response_is_refused()
    {
        var result = await Run($"return (await context.Http.GetAsync(\"{Url("/big")}\")).Body.Length;", $"127.0.0.1:{_port}");

        Assert.True(result.Status == ScriptStatus.Error, $"{result.Status} {result.Error}");
        Assert.Contains("limit exceeded: the response is larger than", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_the_script_does_not_await_finish_before_the_result_and_the_worker_stays_usable()
    {
        var result = await Run($"_ = context.Http.GetAsync(\"{Url("/a")}\"); _ = context.Http.GetAsync(\"{Url("/b")}\"); return 1;", $"127.0.0.1:{_port}");
        var next = await Run("return 2;");

        Assert.True(result.Status == ScriptStatus.Ok, result.Error);
        Assert.Equal(1, result.Value!.GetValue<int>());
        Assert.Equal(2, next.Value!.GetValue<int>());
    }

    [Theory]
    [InlineData("[\"X-Trace\"] = \"a\\r\\nX-Injected: 1\"", "header X-Trace has a control character (CR) in its value")]
    [InlineData("[\"X-Trace\"] = \"a\\nX-Injected: 1\"", "header X-Trace has a control character (LF) in its value")]
    [InlineData("[\"X-Trace\\r\\nX-Injected\"] = \"1\"", "header #2 has a control character (CR) in its name")]
    [InlineData("[\"X Trace\"] = \"1\"", "header #2 has a name that is not an HTTP token")]
    public async Task A_header_with_a_control_character_or_a_bad_name_is_refused_before_anything_is_sent(string header, string expected)
    {
        var result = await Run($$"""
            try
            {
                await context.Http.GetAsync("{{Url("/hook")}}", new Dictionary<string, string> { ["Authorization"] = "Bearer " + context.Secrets["Token"], {{header}} });
                return "sent";
            }
            catch (InvalidOperationException e) { return e.Message; }
            """, $"127.0.0.1:{_port}");

        Assert.True(result.Status == ScriptStatus.Ok, result.Error);
        Assert.StartsWith(expected, result.Value!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_received);
        Assert.Contains(result.Logs, l => l.StartsWith($"http GET {Url("/hook")}: refused, {expected}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_header_next_to_them_is_sent()
    {
        var result = await Run($$"""
            return (await context.Http.GetAsync("{{Url("/hook")}}", new Dictionary<string, string> { ["Authorization"] = "Bearer " + context.Secrets["Token"], ["X-Trace"] = "a\tb" })).Status;
            """, $"127.0.0.1:{_port}");

        Assert.True(result.Status == ScriptStatus.Ok, result.Error);
        Assert.Equal("Bearer " + Token, Assert.Single(_received).Authorization);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*.invalid")]
    public async Task A_secret_in_a_url_host_is_in_no_message_or_log_in_any_case(string allowed)
    {
        string[] allowedHosts = allowed.Length == 0 ? [] : [allowed];
        var result = await Run("""return (await context.Http.GetAsync("http://" + context.Secrets["Host"] + ".invalid/x?k=1")).Status;""", allowedHosts);

        Assert.Equal(ScriptStatus.Error, result.Status);
        Assert.Contains(allowedHosts.Length == 0 ? "is not in this node's allowedHosts" : "failed: ", result.Error, StringComparison.Ordinal);
        var everything = string.Join("\n", result.Logs.Append(result.Error));
        Assert.DoesNotContain(HostSecret, everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("q7werty9zx", everything, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(allowedHosts.Length == 0 ? "http GET ***.invalid: refused" : "http GET http://***.invalid/x: failed", everything, StringComparison.Ordinal);
    }
}
