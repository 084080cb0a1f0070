using Secrets.Runtime.Cli;
using Secrets.Runtime.Sandbox.Expressions;

if (CliApplication.IsEval(args))
{
    // An eval's critical path is its engine's build: it starts before anything else, Ctrl+C handling and the console
    // included (they took about 12 ms of a process's start before the engine's thread began).
    ExpressionEvaluator.PrepareInBackground();
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

return await CliApplication.RunAsync(args, CliConsole.FromProcess(), cts.Token).ConfigureAwait(false);
