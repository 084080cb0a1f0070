using System.Net;

namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class ServeCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Stdout that reports the line naming the address, so the test waits for the server, not for time.</summary>
    private sealed class AddressWriter : StringWriter
    {
        public TaskCompletionSource<string> Address { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            if (value?.StartsWith("listening on ", StringComparison.Ordinal) == true)
            {
                Address.TrySetResult(value["listening on ".Length..]);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }
    }

    [Fact]
    public async Task Serve_prints_the_bootstrap_token_and_the_url_then_answers_until_cancelled()
    {
        using var output = new AddressWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var console = new CliConsole { In = new StringReader(string.Empty), Out = output, Error = error, Environment = _cli.Environment };
        var serving = CliApplication.RunAsync(["serve", "--urls", "http://127.0.0.1:0"], console, stop.Token);

        var address = await output.Address.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(address + "/readyz"))).StatusCode);
        Assert.Single(output.ToString().Split('\n'), l => l.StartsWith("srt_", StringComparison.Ordinal));

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await serving.WaitAsync(TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task Serve_refuses_an_address_beyond_loopback_unless_allowed()
    {
        var (code, _, err) = await _cli.RunAsync("serve", "--urls", "http://0.0.0.0:8799");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("not a loopback address", err, StringComparison.Ordinal);
    }
}
