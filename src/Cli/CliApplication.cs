using System.CommandLine;
using Secrets.Runtime.Sandbox.Expressions;

namespace Secrets.Runtime.Cli;

/// <summary>Builds the <c>secrets-runtime</c> command tree and runs it.</summary>
public static class CliApplication
{
    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="console"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var eval = IsEval(args);
        if (eval)
        {
            // The engine starts building on a thread of its own before anything else (the program has started it already:
            // this covers other callers), so it overlaps building the command tree, parsing the arguments, and analysing
            // and preparing the expression.
            ExpressionEvaluator.PrepareInBackground();
        }

        var context = new CliContext(console, args);
        // An eval parses against a root that holds only eval: building every other command's tree costs it 15-20 ms.
        var root = CreateRoot(context, onlyEval: eval);

        var parse = Parse(root, args);
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

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> as the CLI does.</summary>
    internal static ParseResult Parse(RootCommand root, string[] args) =>
        // No response files (@file) and no bundling: every token stays the argument the user typed, at its position.
        root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null, EnablePosixBundling = false });

    /// <summary>
    /// True when <paramref name="args"/> name the <c>eval</c> command (after any global options), and not for its help.
    /// Only a guess for starting work early: a wrong answer costs CPU time, never a different outcome.
    /// </summary>
    internal static bool IsEval(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--home" or "--database" or "--user":
                    i++;
                    continue;
                case "--help" or "-h" or "-?" or "--version":
                    return false;
                case ['-', ..]:
                    continue;
                case "eval":
                    return !args.AsSpan(i + 1).ContainsAny("--help", "-h", "-?");
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The command tree (also read by the tests that hold the README to every option <c>--help</c> shows).</summary>
    /// <param name="context">The console, environment and global options the commands share.</param>
    /// <param name="onlyEval">True for a root with the global options and <c>eval</c> alone (see <see cref="IsEval"/>).</param>
    internal static RootCommand CreateRoot(CliContext context, bool onlyEval = false)
    {
        var root = new RootCommand("secrets-runtime: store secrets once, inject them at run time, never print them.");
        root.Options.Add(context.HomeOption);
        root.Options.Add(context.DatabaseOption);
        root.Options.Add(context.UserOption);
        root.Options.Add(context.VerboseOption);
        if (onlyEval)
        {
            root.Subcommands.Add(Commands.EvalCommand.Create(context));
            return root;
        }

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
