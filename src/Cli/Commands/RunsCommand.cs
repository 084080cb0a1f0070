using System.CommandLine;
using System.Globalization;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>runs list</c> and <c>runs show ID</c>: run history, already masked.</summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("runs", "Run history (masked)");
        var list = new Command("list", "List runs, newest first");
        list.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var records = await (await context.OpenRunRecordsAsync(parse, ct).ConfigureAwait(false)).ListAsync(ct).ConfigureAwait(false);
            await TableWriter.WriteAsync(context.Console.Out, ["RUN", "WORKFLOW", "TRIGGER", "PRINCIPAL", "STATUS", "STARTED", "NODES"], records.Select(r => new[]
            {
                r.RunId, r.Workflow, r.Trigger.ToString().ToLowerInvariant(), r.Principal, r.Status.ToString().ToLowerInvariant(),
                r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.Nodes.Count.ToString(CultureInfo.InvariantCulture),
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        var id = new Argument<string>("ID") { Description = "Run id" };
        var show = new Command("show", "Show a run record as JSON: per node times, status, resolved configuration, output, logs and errors, all masked") { id };
        show.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var record = await (await context.OpenRunRecordsAsync(parse, ct).ConfigureAwait(false)).GetAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync(RunRecordStore.ToJson(record)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        return command;
    }
}
