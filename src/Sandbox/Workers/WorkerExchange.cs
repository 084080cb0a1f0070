using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.Net;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>One run's conversation with its execution worker over the typed pipe, seen from the host.</summary>
/// <param name="http">Performs the script's <c>context.Http</c> calls.</param>
/// <param name="hostRedactor">The host's redactor (values registered outside this run), or null.</param>
internal sealed class WorkerExchange(ScriptHttpProxy http, SecretRedactor? hostRedactor)
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="worker"/> (with the image the first time it sees it) and
    /// reads its lines until its answer, performing its <c>context.Http</c> calls, keeping and counting its log lines,
    /// and enforcing the time and CPU limits from outside. Anything but a well-formed answer fails the run.
    /// </summary>
    public async Task<ScriptResult> RunAsync(WorkerProcess worker, string key, byte[] image, ScriptRequest request, ScriptLimits limits, SecretRedactor masker, CancellationToken cancellationToken)
    {
        var message = new RunRequest(key, worker.Images.Add(key) ? image : null,
            new RunContext(request.Secrets, request.InputJson, request.Run),
            new RunLimits(limits.Timeout, limits.MaxOutputBytes, limits.MaxResultBytes));

        // The guard in the worker stops guarded code at the time limit; the kill is for what it cannot reach (a busy
        // library call), and the CPU watchdog for time spent on more than one core.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.Timeout + KillGrace);
        using var watchdog = new CpuWatchdog(worker, limits.CpuTime);
        var maxLine = limits.MaxOutputBytes + limits.MaxResultBytes + 64 * 1024;
        var logs = new List<string>();
        var logChars = 0;
        var allowed = new HostAllowList(request.AllowedHosts);
        var calls = 0;
        RunAnswer? answer = null;
        try
        {
            await worker.SendAsync(WorkerProtocol.Write(message), deadline.Token).ConfigureAwait(false);
            while (answer is null && await worker.ReadLineAsync(maxLine, deadline.Token).ConfigureAwait(false) is { } line)
            {
                switch (WorkerProtocol.Read(line))
                {
                    // Log lines arrive as the script writes them, so they are kept whatever happens next.
                    // The host counts them too: a worker that ignores its own limit is stopped here.
                    case LogLine log:
                        if ((logChars += log.Text.Length) > limits.MaxOutputBytes)
                        {
                            worker.Kill();
                            return ScriptResult.Limited(LimitKind.Output, logs);
                        }

                        logs.Add(Mask(masker, log.Text));
                        break;
                    case HttpCall call:
                        // One call past the limit ends the run as that limit, whatever the script would do with a
                        // refusal (catch it and carry on, or fail with an error that hides the limit).
                        if (++calls > limits.MaxHttpCalls)
                        {
                            worker.Kill();
                            return ScriptResult.Limited(LimitKind.HttpCalls, logs);
                        }

                        var reply = await http.SendAsync(call, allowed, limits, logs, text => Mask(masker, text), deadline.Token).ConfigureAwait(false);
                        await worker.SendAsync(WorkerProtocol.Write(reply), deadline.Token).ConfigureAwait(false);
                        break;
                    case RunAnswer end:
                        answer = end;
                        break;
                    default:
                        // Not a message a worker may send during a run, or not a well-formed one: nothing of it is used.
                        worker.Kill();
                        return new ScriptResult(ScriptStatus.Error, null, "the worker broke the protocol and was stopped", logs, false, []);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            worker.Kill();
            return ScriptResult.Limited(watchdog.Tripped ? LimitKind.Cpu : LimitKind.Time, logs);
        }
        catch (IOException)
        {
            answer = null;
        }
        catch (InvalidDataException)
        {
            worker.Kill();
            return ScriptResult.Limited(LimitKind.Output, logs);
        }

        if (answer is null)
        {
            // The worker died without answering. The runtime's own last words on stderr tell a stack overflow or an
            // out-of-memory fail-fast from any other crash; the script cannot write there (no console, no files).
            worker.Kill();
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var errors = worker.ErrorTail;
            LimitKind? limit = watchdog.Tripped ? LimitKind.Cpu
                : errors.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase) ? LimitKind.Stack
                : errors.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || errors.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase) ? LimitKind.Memory
                : null;
            return limit is { } breached ? ScriptResult.Limited(breached, logs)
                : new ScriptResult(ScriptStatus.Error, null, string.Create(CultureInfo.InvariantCulture, $"the worker crashed (exit code {worker.ExitCode})"), logs, false, []);
        }

        switch (answer.Outcome)
        {
            case RunOutcome.Limited:
                return ScriptResult.Limited(answer.Limit!.Value, logs);
            case RunOutcome.Ok when ParseValue(answer.Value!) is { } value:
                var sensitive = masker.ContainsSecret(answer.Value!) || hostRedactor?.ContainsSecret(answer.Value!) == true;
                return new ScriptResult(ScriptStatus.Ok, value.Node, null, logs, sensitive, []);
            case RunOutcome.Ok:
                worker.Kill();
                return new ScriptResult(ScriptStatus.Error, null, "the worker broke the protocol and was stopped (its value is not JSON)", logs, false, []);
            default:
                var error = Mask(masker, answer.Error!);
                return new ScriptResult(ScriptStatus.Error, null, answer.Line is { } at ? string.Create(CultureInfo.InvariantCulture, $"line {at}: {error}") : error, logs, false, []) { Line = answer.Line };
        }
    }

    /// <summary>The value a worker returned, parsed; null when it is not JSON (the node then fails, it is not passed on).</summary>
    private static ParsedValue? ParseValue(string text)
    {
        try
        {
            return new ParsedValue(JsonNode.Parse(text));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private readonly record struct ParsedValue(JsonNode? Node);

    /// <summary>Masks the run's own values, then the host's registered ones.</summary>
    public string Mask(SecretRedactor masker, string text)
    {
        var masked = masker.Redact(text);
        return hostRedactor is null ? masked : hostRedactor.Redact(masked);
    }
}
