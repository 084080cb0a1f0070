using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Runs code-node scripts: compiles them in the host (compile only, cached by <see cref="ScriptCompiler.CacheKey"/>),
/// then executes each run in a worker process started with an empty environment (no master key, no store path, no
/// home folder) and a GC heap hard limit, loading the image into a fresh collectible context per run. A worker that
/// exceeds a limit is killed; one that crashes (stack overflow, fail-fast) takes only itself down. A worker is reused
/// only after a successful run and only by the same tenant: one whose script failed or was limited is never reused.
/// </summary>
public sealed class ScriptRunner : IDisposable
{
    private readonly ScriptCompiler _compiler;
    private readonly ScriptLimits _limits;
    private readonly SecretRedactor? _redactor;
    private readonly string _workerPath;
    private readonly ConcurrentDictionary<string, ScriptCompilation> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, long Heap), ConcurrentQueue<Process>> _warm = new();
    private bool _disposed;

    /// <summary>Creates a runner.</summary>
    /// <param name="limits">Default limits per run.</param>
    /// <param name="redactor">A shared redactor that also masks logs and errors (each run's own values are always masked).</param>
    /// <param name="workerPath">The worker assembly; default <c>secrets-runtime-worker.dll</c> beside this program.</param>
    public ScriptRunner(ScriptLimits? limits = null, SecretRedactor? redactor = null, string? workerPath = null)
    {
        _compiler = new ScriptCompiler();
        _limits = (limits ?? new ScriptLimits()).Validate();
        _redactor = redactor;
        _workerPath = workerPath ?? Path.Combine(AppContext.BaseDirectory, "secrets-runtime-worker.dll");
    }

    /// <summary>True when the worker program is present.</summary>
    public bool IsAvailable => File.Exists(_workerPath);

    /// <summary>Compiles (or takes from the cache) and runs one script.</summary>
    public async Task<ScriptResult> RunAsync(ScriptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = (request.Limits ?? _limits).Validate();
        var masker = new SecretRedactor(_redactor?.Options);
        foreach (var (alias, value) in request.Secrets)
        {
            masker.Add(value, alias);
        }

        var compilation = _cache.GetOrAdd(_compiler.CacheKey(request.Source), _ => _compiler.Compile(request.Source, cancellationToken));
        if (!compilation.Succeeded)
        {
            var first = compilation.Diagnostics.FirstOrDefault();
            return new ScriptResult(ScriptStatus.Rejected, null, Mask(masker, $"rejected: {first}"), [], false, compilation.Diagnostics);
        }

        if (!IsAvailable)
        {
            return new ScriptResult(ScriptStatus.Error, null, $"the worker program is missing ({_workerPath})", [], false, []);
        }

        var context = new JsonObject
        {
            ["secrets"] = new JsonObject(request.Secrets.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            ["inputJson"] = request.InputJson,
            ["run"] = new JsonObject { ["runId"] = request.Run.RunId, ["workflow"] = request.Run.Workflow, ["node"] = request.Run.Node, ["trigger"] = request.Run.Trigger },
        };
        var line = new JsonObject { ["image"] = Convert.ToBase64String(compilation.Image!), ["context"] = context }.ToJsonString();

        var process = Take(request.Tenant, limits);
        var reusable = false;
        try
        {
            var result = await ExchangeAsync(process, line, masker, limits, cancellationToken).ConfigureAwait(false);
            reusable = result.Status == ScriptStatus.Ok;
            return result;
        }
        finally
        {
            Return(process, request.Tenant, limits, reusable);
        }
    }

    private async Task<ScriptResult> ExchangeAsync(Process process, string line, SecretRedactor masker, ScriptLimits limits, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.Timeout);
        string? response;
        try
        {
            await process.StandardInput.WriteLineAsync(line.AsMemory(), timeout.Token).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(timeout.Token).ConfigureAwait(false);
            response = await ReadCappedLineAsync(process.StandardOutput, limits.MaxOutputBytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            return new ScriptResult(ScriptStatus.Limited, null, "limit exceeded: time", [], false, []);
        }
        catch (IOException)
        {
            response = null;
        }
        catch (InvalidDataException)
        {
            Kill(process);
            return new ScriptResult(ScriptStatus.Limited, null, "limit exceeded: output", [], false, []);
        }

        if (response is null)
        {
            Kill(process);
            var errors = await process.StandardError.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false);
            var reason = errors.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase) ? "limit exceeded: stack"
                : errors.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase) ? "limit exceeded: memory"
                : string.Create(CultureInfo.InvariantCulture, $"the worker crashed (exit code {(process.HasExited ? process.ExitCode : -1)})");
            return new ScriptResult(reason.StartsWith("limit", StringComparison.Ordinal) ? ScriptStatus.Limited : ScriptStatus.Error, null, reason, [], false, []);
        }

        var parsed = JsonNode.Parse(response)!.AsObject();
        var logs = parsed["logs"]!.AsArray().Select(l => Mask(masker, l!.GetValue<string>())).ToList();
        if (parsed["status"]!.GetValue<string>() != "ok")
        {
            return new ScriptResult(ScriptStatus.Error, null, Mask(masker, parsed["error"]?.GetValue<string>() ?? "error"), logs, false, []);
        }

        var valueText = parsed["value"]!.GetValue<string>();
        var sensitive = masker.ContainsSecret(valueText) || _redactor?.ContainsSecret(valueText) == true;
        return new ScriptResult(ScriptStatus.Ok, JsonNode.Parse(valueText), null, logs, sensitive, []);
    }

    /// <summary>Kills the pre-started workers.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var queue in _warm.Values)
        {
            while (queue.TryDequeue(out var idle))
            {
                Kill(idle);
                idle.Dispose();
            }
        }
    }

    /// <summary>An idle worker of this tenant, or a new one (pre-started workers wait, warm, for their first request).</summary>
    private Process Take(string tenant, ScriptLimits limits)
    {
        var queue = _warm.GetOrAdd((tenant, limits.MaxHeapBytes), _ => new ConcurrentQueue<Process>());
        while (queue.TryDequeue(out var candidate))
        {
            if (!candidate.HasExited)
            {
                return candidate;
            }

            candidate.Dispose();
        }

        return Start(limits);
    }

    /// <summary>Keeps a worker for its tenant after a successful run; kills it otherwise.</summary>
    private void Return(Process process, string tenant, ScriptLimits limits, bool reusable)
    {
        var queue = _warm.GetOrAdd((tenant, limits.MaxHeapBytes), _ => new ConcurrentQueue<Process>());
        if (reusable && !_disposed && !process.HasExited && queue.Count < MaxIdlePerTenant)
        {
            queue.Enqueue(process);
            return;
        }

        Kill(process);
        process.Dispose();
    }

    /// <summary>How many idle workers a tenant has (for tests and diagnostics).</summary>
    internal int IdleWorkers(string tenant) => _warm.Where(p => p.Key.Tenant == tenant).Sum(p => p.Value.Count(w => !w.HasExited));

    /// <summary>Idle workers kept per tenant.</summary>
    private const int MaxIdlePerTenant = 2;

    private Process Start(ScriptLimits limits) =>
        Process.Start(StartInfo(_workerPath, limits)) ?? throw new InvalidOperationException("could not start the worker");

    /// <summary>How a worker is started: the dotnet host, the worker assembly, and an environment holding nothing of the host's.</summary>
    internal static ProcessStartInfo StartInfo(string workerPath, ScriptLimits limits)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var info = new ProcessStartInfo(host, [workerPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetTempPath(),
        };

        // An empty environment: nothing of the host's (master key, store path, home) reaches the script.
        info.Environment.Clear();
        info.Environment["DOTNET_GCHeapHardLimit"] = limits.MaxHeapBytes.ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    private static async Task<string?> ReadCappedLineAsync(StreamReader reader, int maxChars, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        var buffer = new char[8192];
        while (true)
        {
            var read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            var newline = Array.IndexOf(buffer, '\n', 0, read);
            sb.Append(buffer, 0, newline >= 0 ? newline : read);
            if (sb.Length > maxChars)
            {
                throw new InvalidDataException("output too large");
            }

            if (newline >= 0)
            {
                return sb.ToString();
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private string Mask(SecretRedactor masker, string text)
    {
        var masked = masker.Redact(text);
        return _redactor is null ? masked : _redactor.Redact(masked);
    }
}
