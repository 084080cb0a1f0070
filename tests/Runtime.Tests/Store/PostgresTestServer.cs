using System.Diagnostics;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// The PostgreSQL server the tests share: <c>SECRETS_RUNTIME_TEST_DATABASE</c> when set (CI starts one with
/// <c>eng/pg-test-server</c>), else a throwaway cluster this test process starts with the same script and stops at
/// exit. Where neither works, PostgreSQL tests are skipped with <see cref="SkipReason"/>, unless
/// <c>SECRETS_RUNTIME_REQUIRE_POSTGRES=1</c> (CI), where they fail instead.
/// </summary>
internal static class PostgresTestServer
{
    private static readonly Lazy<(string? ConnectionString, string? Directory, string? Problem)> Server = new(Start);

    /// <summary>The server's connection string (a superuser on the <c>postgres</c> database).</summary>
    public static string ConnectionString => Server.Value.ConnectionString
        ?? throw new InvalidOperationException("no PostgreSQL server for the tests: " + Server.Value.Problem);

    /// <summary>Why PostgreSQL tests are skipped, or null when they run.</summary>
    public static string? SkipReason =>
        Server.Value.ConnectionString is null && System.Environment.GetEnvironmentVariable("SECRETS_RUNTIME_REQUIRE_POSTGRES") != "1"
            ? "no PostgreSQL server could be started here (" + Server.Value.Problem + "); set SECRETS_RUNTIME_TEST_DATABASE or install Debian's postgresql package"
            : null;

    /// <summary>
    /// Why tests that restart a server of their own are skipped (no PostgreSQL server binaries here), or null. They
    /// never restart the shared server, which other tests are using.
    /// </summary>
    public static string? RestartSkipReason =>
        System.Environment.GetEnvironmentVariable("SECRETS_RUNTIME_REQUIRE_POSTGRES") == "1"
        || System.Environment.GetEnvironmentVariable("PGBIN") is { Length: > 0 }
        || (Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any())
            ? null
            : "no PostgreSQL server binaries here to start a private cluster (install Debian's postgresql package, or set PGBIN)";

    /// <summary>Starts a private cluster (a test that restarts it disturbs no other test); returns its folder and connection string.</summary>
    public static async Task<(string Directory, string ConnectionString)> StartPrivateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "secrets-runtime-pg-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)));
        var (code, output) = await ScriptAsync("start", directory);
        var connection = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("export SECRETS_RUNTIME_TEST_DATABASE=", StringComparison.Ordinal));
        if (code != 0 || connection is null)
        {
            throw new InvalidOperationException($"eng/pg-test-server exited with {code}: {output.Trim()}");
        }

        return (directory, connection["export SECRETS_RUNTIME_TEST_DATABASE=".Length..].Trim('\''));
    }

    /// <summary>Runs <c>eng/pg-test-server COMMAND DIRECTORY</c> on a private cluster (restart, stop).</summary>
    public static async Task ControlAsync(string command, string directory)
    {
        var (code, output) = await ScriptAsync(command, directory);
        if (code != 0)
        {
            throw new InvalidOperationException($"pg-test-server {command} failed: {output}");
        }
    }

    private static (string?, string?, string?) Start()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable("SECRETS_RUNTIME_TEST_DATABASE");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return (fromEnv, null, null);
        }

        try
        {
            var (directory, connection) = StartPrivateAsync().GetAwaiter().GetResult();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => ScriptAsync("stop", directory).GetAwaiter().GetResult();
            return (connection, directory, null);
        }
        catch (Exception ex) when (ex is IOException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, null, ex.Message);
        }
    }

    private static async Task<(int Code, string Output)> ScriptAsync(string command, string directory)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Secrets.Runtime.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("the repository root (Secrets.Runtime.sln) is not above the test assembly");
        }

        var info = new ProcessStartInfo(Path.Combine(root, "eng", "pg-test-server"), [command, directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
