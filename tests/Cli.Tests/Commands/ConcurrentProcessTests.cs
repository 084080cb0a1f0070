using System.Diagnostics;

namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class ConcurrentProcessTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Two_processes_writing_the_same_secret_at_once_lose_no_update()
    {
        const int writesPerProcess = 8;
        await _cli.PipeAsync("v0", "secret", "set", "SHARED");
        var cli = Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll");
        var script = string.Join(" && ", Enumerable.Range(0, writesPerProcess).Select(i => $"echo value-{i} | dotnet \"{cli}\" secret set SHARED >/dev/null"));

        var processes = Enumerable.Range(0, 2).Select(_ =>
        {
            var info = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true };
            info.Environment["SECRETS_RUNTIME_HOME"] = _cli.Home;
            info.Environment["SECRETS_RUNTIME_MASTER_KEY"] = _cli.Environment["SECRETS_RUNTIME_MASTER_KEY"];
            return Process.Start(info)!;
        }).ToList();
        foreach (var process in processes)
        {
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, errors);
        }

        var list = await _cli.RunAsync("secret", "list", "--json");
        Assert.Contains($"\"version\":{1 + (2 * writesPerProcess)}", list.Out, StringComparison.Ordinal);
        var audit = await _cli.RunAsync("audit");
        Assert.Equal(1 + (2 * writesPerProcess), audit.Out.Split('\n').Count(l => l.Contains("organization/default/SHARED", StringComparison.Ordinal)));
    }
}
