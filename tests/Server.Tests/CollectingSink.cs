using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Keeps every log event the server writes (as compact JSON and as rendered text), for scanning.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly CompactJsonFormatter _formatter = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _lines.Enqueue(writer.ToString() + " " + logEvent.RenderMessage());
        TaskCompletionSource added;
        lock (_gate)
        {
            added = _added;
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    /// <summary>
    /// The first line matching <paramref name="match"/>, waiting for new lines as they are written (the request log
    /// is written when the response has completed, which the client may see first). Fails after 30 s without one.
    /// </summary>
    public async Task<string> WaitForAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task added;
            lock (_gate)
            {
                added = _added.Task;
            }

            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            await added.WaitAsync(timeout.Token);
        }
    }
}
