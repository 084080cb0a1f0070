using System.CommandLine;
using System.Globalization;
using System.Net;
using Secrets.Runtime.Cli.Demo;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>samples echo-server [--port N]</c>: the local API the samples' READMEs call.</summary>
internal static class SamplesCommand
{
    /// <summary>The port the samples' READMEs use.</summary>
    public const int DefaultPort = 8080;

    public static Command Create(CliContext context)
    {
        var command = new Command("samples", "Helpers for the sample workflows in samples/");
        var port = new Option<int?>("--port") { Description = "Port on 127.0.0.1, 1 to 65535 (default 8080, the port the samples' READMEs use)" };
        var echo = new Command("echo-server", "Start the echo server the samples call: it answers every request with what it received (headers and body) until Ctrl+C") { port };
        echo.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var chosen = CliInput.InRange(parse, port, 1, 65_535, "(a TCP port)") ?? DefaultPort;
            EchoServer server;
            try
            {
                server = EchoServer.Start(chosen);
            }
            catch (HttpListenerException)
            {
                throw CliErrors.PortTaken(string.Create(CultureInfo.InvariantCulture, $"port {chosen} of 127.0.0.1 is taken; pick another with --port N"));
            }

            await using (server.ConfigureAwait(false))
            {
                await context.Console.Out.WriteLineAsync($"echo server on {server.BaseAddress}; run a sample with --input '{{\"baseUrl\":\"{server.BaseAddress}\"}}' (Ctrl+C stops it)").ConfigureAwait(false);
                await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            await context.Console.Out.WriteLineAsync("echo server stopped").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(echo);
        return command;
    }
}
