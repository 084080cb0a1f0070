using System.Globalization;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>Prints node progress: one live line per node on a terminal, plain lines otherwise; errors masked.</summary>
internal sealed class RunProgressPrinter : IProgress<NodeProgress>
{
    private readonly CliConsole _console;
    private readonly SecretRedactor _redactor;
    private bool _lineOpen;

    public RunProgressPrinter(CliConsole console, SecretRedactor redactor)
    {
        _console = console;
        _redactor = redactor;
    }

    public void Report(NodeProgress value)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"[{value.Index + 1}/{value.Count}] {value.NodeId}");
        if (value.Status is null)
        {
            if (_console.IsOutputTerminal)
            {
                _console.Out.Write($"{head} ...");
                _lineOpen = true;
            }

            return;
        }

        var outcome = value.Status == RunStatus.Succeeded
            ? string.Create(CultureInfo.InvariantCulture, $"ok ({value.ElapsedMs:0.0} ms)")
            : "failed: " + _redactor.Redact(value.Error ?? "unknown error");
        if (_lineOpen)
        {
            _console.Out.Write("\r\u001b[2K");
            _lineOpen = false;
        }

        _console.Out.WriteLine($"{head} {outcome}");
    }

    public void Finish()
    {
        if (_lineOpen)
        {
            _console.Out.WriteLine();
            _lineOpen = false;
        }
    }
}
