using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Keeps every log event the server writes, rendered as the console would print it, for scanning.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly CompactJsonFormatter _formatter = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _lines.Enqueue(writer.ToString() + " " + logEvent.RenderMessage());
    }
}
