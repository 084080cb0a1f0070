using System.CommandLine;

namespace Secrets.Runtime.Cli;

/// <summary>Builds the <c>secrets-runtime</c> command tree and runs it.</summary>
public static class CliApplication
{
    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="console"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var context = new CliContext(console, args);
        var root = CreateRoot(context);

        // No response files (@file) and no bundling: every token stays the argument the user typed, at its position.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null, EnablePosixBundling = false });
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine's messages quote the offending token, which may be a value typed by mistake.
            foreach (var message in ParseErrorMessages.For(parse, args))
            {
                await console.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }

        var config = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The command tree (also read by the tests that hold the README to every option <c>--help</c> shows).</summary>
    internal static RootCommand CreateRoot(CliContext context)
    {
        var root = new RootCommand("secrets-runtime: store secrets once, inject them at run time, never print them.");
        root.Options.Add(context.HomeOption);
        root.Options.Add(context.DatabaseOption);
        root.Options.Add(context.UserOption);
        root.Options.Add(context.VerboseOption);

        // One line per command group; each group lives in its own file under Commands/.
        root.Subcommands.Add(Commands.SecretCommand.Create(context));
        root.Subcommands.Add(Commands.KeyCommand.Create(context));
        root.Subcommands.Add(Commands.AuditCommand.Create(context));
        root.Subcommands.Add(Commands.AccessCommand.Create(context));
        root.Subcommands.Add(Commands.TokenCommand.Create(context));
        root.Subcommands.Add(Commands.WorkflowCommand.Create(context));
        root.Subcommands.Add(Commands.RunCommand.Create(context));
        root.Subcommands.Add(Commands.RunsCommand.Create(context));
        root.Subcommands.Add(Commands.RedactCommand.Create(context));
        root.Subcommands.Add(Commands.EvalCommand.Create(context));
        root.Subcommands.Add(Commands.ExecCommand.Create(context));
        root.Subcommands.Add(Commands.DemoCommand.Create(context));
        root.Subcommands.Add(Commands.SamplesCommand.Create(context));
        root.Subcommands.Add(Commands.DoctorCommand.Create(context));
        root.Subcommands.Add(Commands.ServeCommand.Create(context));
        root.Subcommands.Add(Commands.WorkerCommand.Create(context));
        root.Subcommands.Add(Commands.WorkersCommand.Create(context));
        return root;
    }
}
