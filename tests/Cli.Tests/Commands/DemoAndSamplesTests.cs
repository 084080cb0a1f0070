using System.Text;
using Secrets.Runtime.Cli.Commands;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>The demo shows the point with commands a user can type; the samples' echo server starts from the CLI.</summary>
public sealed class DemoAndSamplesTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_demo_shows_the_real_header_the_server_saw_beside_the_masked_record_and_keeps_its_home_with_keep()
    {
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";

        var (code, output, error) = await _cli.RunAsync("demo", "--keep");
        var kept = output.Split("home folder kept: ")[1].Split(';')[0];

        try
        {
            Assert.True(code == 0, output + error);
            Assert.Contains("the echo server saw   Authorization: Bearer sk-ant-", output, StringComparison.Ordinal);
            Assert.Contains("the real key: yes)", output, StringComparison.Ordinal);
            Assert.Contains("the run record shows Authorization: Bearer ***", output, StringComparison.Ordinal);
            Assert.Contains("$ secrets-runtime secret set GITHUB_TOKEN --scope personal --user alice   # stdin: piped", output, StringComparison.Ordinal);
            Assert.Contains("$ secrets-runtime run ", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(kept, "secrets.db")));

            // The hints the demo printed work on the kept home.
            var runId = output.Split("runs show ")[1].Split(' ')[0];
            _cli.Environment["SECRETS_RUNTIME_HOME"] = kept;
            var shown = await _cli.RunAsync("runs", "show", runId);
            Assert.Equal(0, shown.Code);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(kept, recursive: true);
        }
    }

    [Fact]
    public async Task Samples_echo_server_answers_with_what_it_received_until_cancelled()
    {
        var port = Demo.EchoServer.FreePort();
        using var stop = new CancellationTokenSource();
        var output = new SignallingWriter("echo server on ");
        using var error = new StringWriter();
        var console = new CliConsole { In = new StringReader(string.Empty), Out = output, Error = error, Environment = _cli.Environment };

        var running = CliApplication.RunAsync(["samples", "echo-server", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], console, stop.Token);
        await output.Seen.WaitAsync(TimeSpan.FromMinutes(1));
        using var http = new HttpClient();
        var echoed = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/v1/x"), new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));
        var body = await echoed.Content.ReadAsStringAsync();
        await stop.CancelAsync();
        var code = await running;

        Assert.Equal(0, code);
        Assert.Contains($"echo server on http://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("/v1/x", body, StringComparison.Ordinal);
        Assert.Contains("echo server stopped", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Samples_echo_server_refuses_a_port_out_of_range()
    {
        var (code, _, error) = await _cli.RunAsync("samples", "echo-server", "--port", "70000");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal("error: --port must be 1 to 65535 (a TCP port)", error.TrimEnd());
    }

    [Fact]
    public void Every_sample_readme_uses_the_echo_server_port_and_commands_that_exist()
    {
        var samples = Demo.SampleCatalog.FindSamplesFolder()!;
        foreach (var readme in Directory.EnumerateFiles(samples, "README.md", SearchOption.AllDirectories).Where(f => Path.GetDirectoryName(f) != samples))
        {
            var text = File.ReadAllText(readme);
            Assert.Contains("secrets-runtime samples echo-server", text, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{SamplesCommand.DefaultPort}", text, StringComparison.Ordinal);
        }
    }

    /// <summary>A writer that completes <see cref="Seen"/> once its text holds a marker, so a test waits for output, not for time.</summary>
    private sealed class SignallingWriter(string marker) : StringWriter
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            Check();
            return Task.CompletedTask;
        }

        private void Check()
        {
            if (ToString().Contains(marker, StringComparison.Ordinal))
            {
                _seen.TrySetResult();
            }
        }
    }
}
