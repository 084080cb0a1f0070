using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>runs list</c> and <c>runs show ID</c>: run history, already masked.</summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("runs", "Run history (masked)");
        var json = new Option<bool>("--json") { Description = "One JSON array: id, workflow, trigger, principal, status, started, ended, nodes" };
        var limit = new Option<int?>("--limit") { Description = "At most this many runs, newest first (1 to 100000; default: all)" };
        var list = new Command("list", "List runs, newest first") { json, limit };
        list.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var count = CliInput.InRange(parse, limit, 1, 100_000, "runs") ?? int.MaxValue;
            var records = (await (await OpenAsync(context, parse, ct).ConfigureAwait(false)).ListAsync(ct).ConfigureAwait(false)).Take(count).ToList();
            if (parse.GetValue(json))
            {
                var array = new JsonArray(records.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.RunId,
                    ["workflow"] = r.Workflow,
                    ["trigger"] = r.Trigger.ToString().ToLowerInvariant(),
                    ["principal"] = r.Principal,
                    ["status"] = r.Status.ToString().ToLowerInvariant(),
                    ["startedAt"] = r.StartedAt,
                    ["endedAt"] = r.EndedAt,
                    ["nodes"] = r.Nodes.Count,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["RUN", "WORKFLOW", "TRIGGER", "PRINCIPAL", "STATUS", "STARTED", "NODES"], records.Select(r => new[]
            {
                r.RunId, r.Workflow, r.Trigger.ToString().ToLowerInvariant(), r.Principal, r.Status.ToString().ToLowerInvariant(),
                r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.Nodes.Count.ToString(CultureInfo.InvariantCulture),
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        var id = new Argument<string>("ID") { Description = "Run id (as `run`, `exec` and `runs list` print it)" };
        var show = new Command("show", "Show a run record as JSON: per node times, status, resolved configuration, output, logs and errors, all masked") { id };
        show.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var records = await OpenAsync(context, parse, ct).ConfigureAwait(false);
            var runId = parse.GetValue(id)!;
            var notFound = new SecretsRuntimeException(WorkflowErrors.RunNotFoundCode, ErrorKind.NotFound, $"ID ({context.PositionOf(runId)}) is not a run of this home; `{context.Hint(parse, "runs list")}` shows the runs");
            if (runId.Length is 0 or > 64 || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw notFound;
            }

            RunRecord record;
            try
            {
                record = await records.GetAsync(runId, ct).ConfigureAwait(false);
            }
            catch (SecretsRuntimeException ex) when (ex.Code == WorkflowErrors.RunNotFoundCode)
            {
                // The library's message quotes the id, which the user typed; say where instead.
                throw notFound;
            }

            await context.Console.Out.WriteLineAsync(JsonNode.Parse(RunRecordStore.ToJson(record))!.ToJsonString(CliJson.Indented)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        return command;
    }

    /// <summary>The run records; a home folder that does not exist is an error, since reading history never creates one.</summary>
    private static Task<IRunRecordStore> OpenAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var options = context.StoreOptions(parse);
        return options.Database is not null || Directory.Exists(options.Home)
            ? context.OpenRunRecordsAsync(parse, cancellationToken)
            : throw CliErrors.NoHome($"no home folder {(context.Home(parse) is { Length: > 0 } ? "at the path given by --home" : options.Home)}: check --home or SECRETS_RUNTIME_HOME");
    }
}
