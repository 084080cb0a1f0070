using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>secret set|list|delete|import|usages|versions|restore|members|share|unshare</c>. No command takes or prints a value on the command line.</summary>
internal static class SecretCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("secret", "Store, list, delete and import secrets, their versions and members (values are write-only)");
        command.Subcommands.Add(Set(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Delete(context));
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Usages(context));
        command.Subcommands.Add(SecretVersionCommands.Versions(context));
        command.Subcommands.Add(SecretVersionCommands.Restore(context));
        command.Subcommands.Add(SecretMemberCommands.Members(context));
        command.Subcommands.Add(SecretMemberCommands.Share(context));
        command.Subcommands.Add(SecretMemberCommands.Unshare(context));
        return command;
    }

    private static Command Set(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name (A-Z, 0-9, _; upper-cased)" };
        var description = new Option<string?>("--description") { Description = "What the secret is for (at most 500 characters)" };
        var scope = new ScopeOptions();
        var command = new Command("set", "Create a secret or change its value; the value comes from stdin when piped, else from a prompt that does not echo") { name, description };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            var value = await ReadValueAsync(context, secretName, ct).ConfigureAwait(false);
            await using var runtime = await context.OpenRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var metadata = await store.SetAsync(context.Principal(parse), new SecretWrite
            {
                Scope = secretScope,
                Owner = owner,
                Name = secretName,
                Value = value,
                Description = parse.GetValue(description),
            }, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{(metadata.Version == 1 ? "created" : "updated")} {metadata.Name.Value} in {metadata.Scope.ToText()} '{metadata.Owner}' (version {metadata.Version}, {metadata.ValueLength} bytes)")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliContext context)
    {
        var showSystem = new Option<bool>("--show-system") { Description = "Include system-managed secrets" };
        var json = new Option<bool>("--json") { Description = "One JSON array of metadata" };
        var scope = new ScopeOptions(listing: true);
        var command = new Command("list", "List secrets: names and metadata, never values") { showSystem, json };
        command.Options.Add(scope.Scope);
        command.Options.Add(scope.Project);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var filter = scope.Filter(parse);
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var items = await store.ListAsync(context.Principal(parse), new SecretListQuery
            {
                Scope = filter,
                Owner = parse.GetValue(scope.Project),
                IncludeSystem = parse.GetValue(showSystem),
            }, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Console.Out.WriteLineAsync(ListJson(items)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            string[] header = ["NAME", "SCOPE", "OWNER", "VERSION", "UPDATED", "LAST USED", "DESCRIPTION"];
            var rows = items.Select(m => new[]
            {
                m.Name.Value + (m.IsSystem ? $" (system: {m.Integration})" : string.Empty),
                m.Scope.ToText(),
                m.Owner,
                m.Version.ToString(CultureInfo.InvariantCulture),
                m.UpdatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + m.UpdatedBy,
                m.LastUsedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",
                m.Description ?? string.Empty,
            }).ToList();
            await TableWriter.WriteAsync(context.Console.Out, header, rows).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    // A method of its own, so that a text listing never loads System.Text.Json (the types a method uses are bound
    // when it first runs).
    private static string ListJson(IEnumerable<SecretMetadata> items) =>
        new JsonArray(items.Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Name.Value,
            ["scope"] = m.Scope.ToText(),
            ["owner"] = m.Owner,
            ["version"] = m.Version,
            ["length"] = m.ValueLength,
            ["description"] = m.Description,
            ["createdAt"] = m.CreatedAt,
            ["createdBy"] = m.CreatedBy,
            ["updatedAt"] = m.UpdatedAt,
            ["updatedBy"] = m.UpdatedBy,
            ["lastUsedAt"] = m.LastUsedAt,
            ["system"] = m.IsSystem,
            ["integration"] = m.Integration,
        }).ToArray()).ToJsonString(CliJson.Options);

    private static Command Delete(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var workflows = new Option<string?>("--workflows") { Description = "Folder of workflows to search for references first" };
        var scope = new ScopeOptions();
        var command = new Command("delete", "Delete a secret and every version of its value (irreversible)") { name, yes, workflows };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var principal = context.Principal(parse);
            if (await store.GetAsync(principal, secretScope, owner, secretName, ct).ConfigureAwait(false) is null)
            {
                var elsewhere = (await store.ListAsync(principal, new SecretListQuery { IncludeSystem = true }, ct).ConfigureAwait(false))
                    .Where(m => m.Name == secretName)
                    .Select(m => $"{m.Scope.ToText()} '{m.Owner}' ({ScopeOptions.Arguments(m.Scope, m.Owner)})")
                    .ToList();
                throw new StoreException(StoreErrors.NotFoundCode, Redaction.ErrorKind.NotFound, $"no secret {secretName.Value} in {secretScope.ToText()} '{owner}'"
                    + (elsewhere.Count > 0 ? $"; it exists in {string.Join(", ", elsewhere)}" : string.Empty));
            }

            var sites = parse.GetValue(workflows) is { } folder
                ? await SecretUsageFinder.FindAsync(CliInput.ExistingFolder(context, folder, "--workflows"), secretName, ct).ConfigureAwait(false)
                : [];
            foreach (var site in sites)
            {
                await context.Console.Error.WriteLineAsync($"used by {site.Workflow} ({site.WorkflowFile}) node {site.NodeId} at {site.JsonPath}").ConfigureAwait(false);
            }

            if (!parse.GetValue(yes))
            {
                await context.Console.Error.WriteAsync($"{(sites.Count > 0 ? $"{sites.Count} reference(s) will break. " : string.Empty)}Type {secretName.Value} to delete it: ").ConfigureAwait(false);
                var typed = await context.Console.In.ReadLineAsync(ct).ConfigureAwait(false);
                if (!string.Equals(typed?.Trim(), secretName.Value, StringComparison.Ordinal))
                {
                    throw CliErrors.NotConfirmed($"not deleted: confirmation did not match {secretName.Value}");
                }
            }

            await store.DeleteAsync(principal, secretScope, owner, secretName, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"deleted {secretName.Value} from {secretScope.ToText()} '{owner}'").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = ".env file, or - for stdin" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would change without writing" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the valid statements and skip lines that are not KEY=VALUE (default: refuse the whole file)" };
        var scope = new ScopeOptions();
        var command = new Command("import", "Import a .env file into one scope, atomically (all or nothing)") { file, dryRun, skipInvalid };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var path = parse.GetValue(file)!;
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            string text;
            if (path == "-")
            {
                text = await CliInput.ReadStdinAsync(context.Console, "the .env text on stdin", ct).ConfigureAwait(false);
            }
            else if (!File.Exists(path))
            {
                throw CliErrors.FileNotFound($"FILE ({context.PositionOf(path)}) is not a file");
            }
            else
            {
                text = CliInput.Utf8(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false), "the .env file");
            }

            var document = DotEnvParser.Parse(text);
            var problems = document.Errors.Concat(document.Warnings.Where(w => w.Malformed && !parse.GetValue(skipInvalid))).OrderBy(i => i.Line).ToList();
            if (problems.Count > 0)
            {
                // One problem per line, then the verdict: nothing is imported unless every line is understood.
                foreach (var problem in problems)
                {
                    await context.Console.Error.WriteLineAsync($"problem: {problem}").ConfigureAwait(false);
                }

                var skippable = document.Errors.Count == 0 ? " (or import the rest with --skip-invalid)" : string.Empty;
                throw CliErrors.ImportInvalid($"import refused, nothing was written: {problems.Count} problem(s) above; fix the file{skippable}");
            }

            await using var runtime = await context.OpenRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var summary = await store.ImportAsync(context.Principal(parse), secretScope, owner, document, parse.GetValue(dryRun), ct).ConfigureAwait(false);
            var output = context.Console.Out;
            var verb = summary.DryRun ? "would be " : string.Empty;
            await output.WriteLineAsync($"{(summary.DryRun ? "dry run: " : string.Empty)}{secretScope.ToText()} '{owner}': {summary.Created.Count} {verb}created, {summary.Updated.Count} {verb}updated, {summary.Skipped.Count} line(s) skipped or noted").ConfigureAwait(false);
            foreach (var entry in summary.Created)
            {
                await output.WriteLineAsync($"  created {entry}").ConfigureAwait(false);
            }

            foreach (var entry in summary.Updated)
            {
                await output.WriteLineAsync($"  updated {entry}").ConfigureAwait(false);
            }

            foreach (var issue in summary.Skipped)
            {
                await output.WriteLineAsync($"  {issue}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Usages(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var workflows = new Option<string>("--workflows") { Description = "Folder of workflow files to search", Required = true };
        var json = new Option<bool>("--json") { Description = "JSON output" };
        var command = new Command("usages", "List the workflows and nodes that reference a secret, in any syntax") { name, workflows, json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var sites = await SecretUsageFinder.FindAsync(CliInput.ExistingFolder(context, parse.GetValue(workflows), "--workflows"), CliInput.Name(context, parse.GetValue(name)), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Console.Out.WriteLineAsync(JsonSerializer.Serialize(sites.Select(s => new { workflow = s.Workflow, file = s.WorkflowFile, node = s.NodeId, path = s.JsonPath, syntax = s.Syntax.ToString() }), CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["WORKFLOW", "NODE", "PATH", "SYNTAX", "FILE"],
                sites.Select(s => new[] { s.Workflow, s.NodeId, s.JsonPath, s.Syntax.ToString(), s.WorkflowFile }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<string> ReadValueAsync(CliContext context, SecretName name, CancellationToken cancellationToken)
    {
        string? value;
        if (context.Console.IsInputRedirected)
        {
            value = await CliInput.ReadStdinAsync(context.Console, "the value on stdin", cancellationToken).ConfigureAwait(false);

            // "echo value | secret set" adds one newline that is not part of the value.
            if (value.EndsWith("\r\n", StringComparison.Ordinal))
            {
                value = value[..^2];
            }
            else if (value.EndsWith('\n'))
            {
                value = value[..^1];
            }
        }
        else
        {
            value = context.Console.ReadHidden($"value for {name.Value} (input hidden): ")
                ?? throw CliErrors.NoValue("no value: pipe it on stdin or run in a terminal to be prompted (values never go on the command line)");
        }

        return value;
    }
}
