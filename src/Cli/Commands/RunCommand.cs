using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Redaction.Logging;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Nodes.Code;
using Secrets.Runtime.Workflows.Records;
using Serilog;
using Serilog.Formatting.Compact;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>run FILE</c>: runs a workflow on the store, with masked progress, logs and run record.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Workflow JSON file" };
        var trigger = new Option<string>("--trigger") { Description = "manual, api, webhook or schedule", DefaultValueFactory = _ => "manual" };
        var input = new Option<string?>("--input") { Description = "Run input as JSON (available as inputs)" };
        var logFormat = new Option<string>("--log-format") { Description = "text or json (compact JSON events)", DefaultValueFactory = _ => "text" };
        var logFile = new Option<string?>("--log-file") { Description = "Log file (default: HOME/logs/runs.log, or runs.jsonl with --log-format json)" };
        var command = new Command("run", "Run a workflow: secrets are resolved per node at run time and masked everywhere") { file, trigger, input, logFormat, logFile };
        command.SetAction((parse, ct) =>
        {
            var redactor = new SecretRedactor();
            return context.RunAsync(parse, async () =>
            {
                var runTrigger = Enum.Parse<RunTrigger>(CliInput.Choice(parse, trigger, "manual", "api", "webhook", "schedule"), ignoreCase: true);
                var json = CliInput.Choice(parse, logFormat, "text", "json") == "json";
                var definition = await WorkflowLoader.LoadFileAsync(CliInput.ExistingFile(context, parse.GetValue(file), "FILE"), ct).ConfigureAwait(false);
                var runInput = ParseInput(parse.GetValue(input));
                var logPath = parse.GetValue(logFile) ?? Path.Combine(context.Configuration(parse).Home, "logs", json ? "runs.jsonl" : "runs.log");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
                await using var logger = new LoggerConfiguration()
                    .WithSecretRedaction(redactor, wt =>
                    {
                        if (json)
                        {
                            wt.File(new CompactJsonFormatter(), logPath);
                        }
                        else
                        {
                            wt.File(logPath, formatProvider: CultureInfo.InvariantCulture);
                        }
                    })
                    .CreateLogger();
                await using var runtime = await context.OpenRuntimeAsync(parse, ct, redactor, o => o.Logger = logger).ConfigureAwait(false);
                if (definition.Nodes.OfType<CodeNode>().Any())
                {
                    await context.WarnIfUnsandboxedAsync(runtime.Configuration).ConfigureAwait(false);
                }

                var progress = new RunProgressPrinter(context.Console, redactor);
                var record = await runtime.RunAsync(definition, new RunRequest { Trigger = runTrigger, User = context.User(parse), ActingUser = context.ActingUser(parse), Input = runInput }, progress, ct).ConfigureAwait(false);
                progress.Finish();
                foreach (var node in record.Nodes)
                {
                    foreach (var line in node.Logs)
                    {
                        await context.Console.Out.WriteLineAsync($"  {node.Id}: {line}").ConfigureAwait(false);
                    }
                }

                var sources = string.Join(", ", record.Secrets.Select(s => $"{s.Name} from {s.Scope.ToText()} '{s.Owner}' v{s.Version}"));
                await context.Console.Out.WriteLineAsync($"run {record.RunId} {record.Status.ToString().ToLowerInvariant()} ({record.Trigger.ToString().ToLowerInvariant()}, principal {record.Principal}); secrets: {(sources.Length == 0 ? "none" : sources)}").ConfigureAwait(false);
                await context.Console.Out.WriteLineAsync($"details: {context.Hint(parse, "runs show " + record.RunId)}; log: {logPath}").ConfigureAwait(false);
                return record.Status == RunStatus.Succeeded ? ExitCodes.Ok : ExitCodes.ForOutcome(record.Nodes.FirstOrDefault(n => n.Status == RunStatus.Failed)?.ErrorKind ?? ErrorKind.Internal);
            }, redactor);
        });
        return command;
    }

    internal static JsonNode? ParseInput(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw CliErrors.InputInvalid($"--input is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }
    }
}
