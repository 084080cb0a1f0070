using System.CommandLine;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>workflow validate FILE</c> and <c>workflow export FILE --template</c>.</summary>
internal static class WorkflowCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("workflow", "Check and share workflow files");
        command.Subcommands.Add(Validate(context));
        return command;
    }

    private static Command Validate(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Workflow JSON file" };
        var command = new Command("validate", "Check a workflow file; every problem is listed with its JSON path") { file };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var workflow = await WorkflowLoader.LoadFileAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var secrets = workflow.Nodes.SelectMany(NodeReferences.SecretNames).Select(n => n.Value).Distinct().Order(StringComparer.Ordinal);
            await context.Console.Out.WriteLineAsync($"{workflow.Name}: valid, {workflow.Nodes.Count} node(s); secrets referenced: {string.Join(", ", secrets)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
