using System.CommandLine;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Nodes.Code;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>exec SCRIPT.csx</c>: runs a C# script as a code node would, in a worker, result masked.</summary>
internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var script = new Argument<string>("SCRIPT") { Description = "A .csx file" };
        var credentials = new Option<string[]>("--credential") { Description = "ALIAS=SECRET_NAME: bind a stored secret (or a test value) to an alias" };
        var secretsFile = new Option<string?>("--secrets-file") { Description = "Test values from a .env or JSON object file, instead of the store" };
        var input = new Option<string?>("--input") { Description = "The node input as JSON" };
        var timeout = new Option<int?>("--timeout") { Description = "Wall time in milliseconds, 1 to 600000 (default 10000)" };
        var json = new Option<bool>("--json") { Description = "{status, value, error, logs} as one JSON line" };
        var command = new Command("exec", "Run a C# script as a code node would: policy-checked, in a worker process, output masked") { script, credentials, secretsFile, input, timeout, json };
        command.SetAction((parse, ct) =>
        {
            var redactor = new SecretRedactor();
            return context.RunAsync(parse, async () =>
            {
                var path = parse.GetValue(script)!;
                var wallTime = CliInput.InRange(parse, timeout, 1, 600_000, "milliseconds");

                var bindings = new JsonArray();
                foreach (var binding in parse.GetValue(credentials) ?? [])
                {
                    var parts = binding.Split('=', 2);
                    if (parts.Length != 2)
                    {
                        throw CliErrors.CredentialInvalid($"--credential ({context.PositionOf(binding)}) is not ALIAS=SECRET_NAME; {ParseErrorMessages.ValueRule}");
                    }

                    bindings.Add(new JsonObject { ["secret"] = CliInput.Name(context, parts[1], "the SECRET_NAME of --credential").Value, ["alias"] = parts[0] });
                }

                if (!File.Exists(path))
                {
                    throw CliErrors.FileNotFound($"SCRIPT ({context.PositionOf(path)}) is not a file");
                }

                // A one-node workflow beside the script (the script named on the command line, wherever a link leads): the
                // same validation, confined read, resolution, worker and masking as a real run.
                var scriptFile = new FileInfo(Path.GetFullPath(path));
                scriptFile = scriptFile.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? scriptFile;
                var node = new JsonObject { ["id"] = "exec", ["type"] = CodeNode.TypeName, ["language"] = "csharp", ["file"] = scriptFile.Name, ["credentials"] = bindings };
                var workflow = WorkflowLoader.Parse(new JsonObject { ["name"] = "exec", ["project"] = "default", ["owner"] = context.User(parse), ["nodes"] = new JsonArray(node) }.ToJsonString(), scriptFile.FullName);
                var limits = wallTime is { } ms ? new Sandbox.Workers.ScriptLimits { Timeout = TimeSpan.FromMilliseconds(ms) } : new Sandbox.Workers.ScriptLimits();

                // The record is kept where `run` keeps its records, so the run id printed below is one `runs show` knows;
                // test values (--secrets-file) run offline and keep none.
                var values = parse.GetValue(secretsFile) is { } file ? await TestValues.ReadAsync(context, file, ct).ConfigureAwait(false) : null;
                await using var runtime = await context.OpenRuntimeAsync(parse, ct, redactor, o =>
                {
                    o.ScriptLimits = limits;
                    o.TestValues = values;
                }).ConfigureAwait(false);
                await context.WarnIfUnsandboxedAsync(runtime.Configuration).ConfigureAwait(false);
                var record = await runtime.RunAsync(workflow, new RunRequest { User = context.User(parse), ActingUser = context.ActingUser(parse), Input = RunCommand.ParseInput(parse.GetValue(input)) }, null, ct).ConfigureAwait(false);

                var saved = runtime.Configuration.KeepRunRecords;
                var result = record.Nodes[0];
                ErrorKind? kind = result.Status == RunStatus.Succeeded ? null : result.ErrorKind ?? ErrorKind.Internal;
                var status = ExitCodes.StatusOf(kind);
                if (parse.GetValue(json))
                {
                    await context.Console.Out.WriteLineAsync(new JsonObject
                    {
                        ["status"] = status,
                        ["value"] = result.Output?.DeepClone(),
                        ["error"] = result.Error,
                        ["code"] = result.ErrorCode,
                        ["limit"] = result.Limit?.ToText(),
                        ["logs"] = new JsonArray(result.Logs.Select(l => (JsonNode)JsonValue.Create(l)).ToArray()),
                        ["run"] = saved ? record.RunId : null,
                    }.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                }
                else
                {
                    foreach (var line in result.Logs)
                    {
                        await context.Console.Error.WriteLineAsync("log: " + line).ConfigureAwait(false);
                    }

                    await (status == "ok" ? context.Console.Out : context.Console.Error).WriteLineAsync(status == "ok" ? result.Output?.ToJsonString(CliJson.Options) ?? "null" : $"{status}: {result.Error}").ConfigureAwait(false);
                    if (saved)
                    {
                        await context.Console.Error.WriteLineAsync($"run {record.RunId}; details: {context.Hint(parse, "runs show " + record.RunId)}").ConfigureAwait(false);
                    }
                }

                return ExitCodes.ForOutcome(kind);
            }, redactor);
        });
        return command;
    }
}
