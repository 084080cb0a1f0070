using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>How a <see cref="ScriptRunner"/> compiles, caches and isolates scripts. Defaults are safe.</summary>
public sealed record ScriptRunnerOptions
{
    /// <summary>Default limits per run.</summary>
    public ScriptLimits Limits { get; init; } = new();

    /// <summary>A shared redactor that also masks logs and errors (each run's own values are always masked).</summary>
    public SecretRedactor? Redactor { get; init; }

    /// <summary>The worker assembly; default <c>secrets-runtime-worker.dll</c> beside this program.</summary>
    public string? WorkerPath { get; init; }

    /// <summary>A folder for compiled images, so a repeated script skips Roslyn also after a restart; null keeps them in memory only.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Worker isolation. Default: <see cref="WorkerIsolation.Bubblewrap"/>, and code nodes fail with a clear error where
    /// it cannot run; <see cref="WorkerIsolation.Process"/> is for trusted code only.
    /// </summary>
    public WorkerIsolation Isolation { get; init; } = WorkerIsolation.Bubblewrap;

    /// <summary>Where bwrap, setpriv and prlimit are looked for (a PATH-style list); null: the PATH variable. For tests.</summary>
    internal string? ToolSearchPath { get; init; }

    /// <summary>Hard resource limits of sandboxed workers (threads, open files, file size, address space).</summary>
    public WorkerResources Resources { get; init; } = new();

    /// <summary>
    /// False for the strictest mode: a fresh (pre-started) worker for every run, never reused. True (default): a worker
    /// is reused by the same tenant after a successful run only.
    /// </summary>
    public bool ReuseWorkers { get; init; } = true;

    /// <summary>The handler <c>context.Http</c> calls go through. Default: sockets, no redirects followed.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How long compiling one script may take. Default 20 s.</summary>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The compile worker's GC heap hard limit. Default 1 GB.</summary>
    public long CompileHeapBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Checks every setting, its limits and resources included, listing every problem at once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names every one.</exception>
    public ScriptRunnerOptions Validate()
    {
        var problems = new List<string>();
        Collect(problems, () => Limits.Validate());
        Collect(problems, () => Resources.Validate());
        if (CompileTimeout <= TimeSpan.Zero)
        {
            problems.Add("CompileTimeout must be positive");
        }

        if (CompileHeapBytes < 64L * 1024 * 1024)
        {
            problems.Add("CompileHeapBytes must be at least 64 MB");
        }

        return problems.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(ScriptRunnerOptions), "ScriptRunnerOptions: " + string.Join("; ", problems));
    }

    private static void Collect(List<string> problems, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException ex)
        {
            // An inner type's message ends with " (Parameter 'X')"; the problems themselves are enough.
            problems.Add(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }
}
