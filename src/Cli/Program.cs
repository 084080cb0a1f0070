using Secrets.Runtime.Cli;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

return await CliApplication.RunAsync(args, CliConsole.FromProcess(), cts.Token).ConfigureAwait(false);
