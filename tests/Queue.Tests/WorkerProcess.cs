using System.Diagnostics;
using System.Globalization;

namespace Secrets.Runtime.Queue.Tests;

/// <summary>A real <c>secrets-runtime worker</c> process (the CLI built beside the tests), with its output kept.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _errors = new();

    private WorkerProcess(Process process, string id)
    {
        _process = process;
        Id = id;
    }

    /// <summary>The worker id it printed when it started taking jobs.</summary>
    public string Id { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts a worker and waits for its "worker ID started" line; throws with its log when it exits first.</summary>
    /// <param name="connection">The database it connects to, when not the test's own (a proxy in front of it).</param>
    /// <param name="extra">More command-line arguments.</param>
    public static async Task<WorkerProcess> StartAsync(QueueDatabase database, int concurrency, int leaseSeconds, int maxAttempts, string? connection = null, IReadOnlyList<string>? extra = null)
    {
        var info = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "secrets-runtime.dll"), "worker",
            "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--lease", leaseSeconds.ToString(CultureInfo.InvariantCulture),
            "--max-attempts", maxAttempts.ToString(CultureInfo.InvariantCulture), .. extra ?? [],
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (key, value) in database.Environment)
        {
            info.Environment[key] = value;
        }

        if (connection is not null)
        {
            info.Environment["SECRETS_RUNTIME_DATABASE"] = connection;
        }

        var process = Process.Start(info)!;
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("worker ", StringComparison.Ordinal))
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            string log;
            lock (errors)
            {
                log = errors.ToString();
            }

            process.Dispose();
            throw new InvalidOperationException($"the worker did not start: {line} {log}");
        }

        var worker = new WorkerProcess(process, line.Split(' ')[1]);
        lock (errors)
        {
            worker._errors.Append(errors);
        }

        process.ErrorDataReceived += (_, e) =>
        {
            lock (worker._errors)
            {
                worker._errors.AppendLine(e.Data);
            }
        };
        return worker;
    }

    /// <summary>The log lines it wrote so far (stderr).</summary>
    public string Log
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>SIGTERM: the worker stops, handing its running runs back to the queue; waits for it to exit.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>kill -9: no shutdown, no lease released.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
