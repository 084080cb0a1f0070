using System.Net;
using System.Net.Sockets;

namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class DatabaseOptionTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_database_that_is_not_there_is_one_line_naming_host_and_port_and_never_the_password()
    {
        var port = ClosedPort();

        var run = await _cli.RunAsync("--database", $"Host=127.0.0.1;Port={port};Username=app;Password=hunter2-pw-9d1c;Timeout=3", "secret", "list");

        Assert.Equal(1, run.Code);
        Assert.Single(run.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains($"127.0.0.1:{port}", run.Err, StringComparison.Ordinal);
        Assert.Contains("unavailable", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.Err + run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_variable_selects_the_database_and_a_uri_is_accepted()
    {
        var port = ClosedPort();
        _cli.Environment["SECRETS_RUNTIME_DATABASE"] = $"postgresql://app:s3cr%40t-pw-77@127.0.0.1:{port}/secrets?timeout=3";

        var run = await _cli.RunAsync("runs", "list");

        Assert.Equal(1, run.Code);
        Assert.Contains($"127.0.0.1:{port}/secrets", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_connection_is_bad_input_and_names_the_option_not_the_value()
    {
        var run = await _cli.RunAsync("--database", "postgresql://app:pw-abc-123@127.0.0.1:5432/db?no_such_option=pw-abc-123", "secret", "list");

        Assert.Equal(2, run.Code);
        Assert.Contains("no_such_option", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-abc-123", run.Err, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
