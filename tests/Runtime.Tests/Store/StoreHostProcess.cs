using System.Diagnostics;
using System.Globalization;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// One host of a shared store in a process of its own (tests/StoreHost): its own home folder, the fixture's database
/// and master key. Commands go one line at a time; each answers one line.
/// </summary>
internal sealed class StoreHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _home;

    private StoreHostProcess(Process process, string home)
    {
        _process = process;
        _home = home;
    }

    public static async Task<StoreHostProcess> StartAsync(StoreFixture fixture, TimeSpan maxStaleness, bool listen = true)
    {
        var home = Directory.CreateTempSubdirectory("store-host-").FullName;
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Secrets.Runtime.Tests.StoreHost.dll")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["STORE_HOST_HOME"] = home;
        info.Environment["STORE_HOST_DATABASE"] = fixture.Database;
        info.Environment["STORE_HOST_MAX_STALENESS_MS"] = ((int)maxStaleness.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        info.Environment["STORE_HOST_LISTEN"] = listen ? "1" : "0";
        info.Environment["SECRETS_RUNTIME_MASTER_KEY"] = fixture.Environment["SECRETS_RUNTIME_MASTER_KEY"];
        var host = new StoreHostProcess(Process.Start(info)!, home);
        var ready = await host.ReadLineAsync();
        if (ready != "ready")
        {
            throw new InvalidOperationException($"the store host did not start: {ready} {await host._process.StandardError.ReadToEndAsync()}");
        }

        return host;
    }

    /// <summary>Sends a command and returns its answer without the leading "ok "; an "error ..." answer fails the test.</summary>
    public async Task<string> SendAsync(string command)
    {
        var reply = await AskAsync(command);
        Assert.True(reply.StartsWith("ok ", StringComparison.Ordinal), $"'{command}' answered '{reply}'");
        return reply[3..];
    }

    /// <summary>Sends a command and returns the whole answer line ("ok ..." or "error CODE message").</summary>
    public async Task<string> AskAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadLineAsync();
    }

    /// <summary>The next answer line of a command that answers more than once.</summary>
    public async Task<string> NextAnswerAsync()
    {
        var reply = await ReadLineAsync();
        Assert.True(reply.StartsWith("ok ", StringComparison.Ordinal), $"answered '{reply}'");
        return reply[3..];
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        return await _process.StandardOutput.ReadLineAsync(timeout.Token) ?? "exited: " + await _process.StandardError.ReadToEndAsync();
    }
}
