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
        command.Subcommands.Add(Export(context));
        return command;
    }

    private static Command Export(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Workflow JSON file" };
        var template = new Option<bool>("--template") { Description = "Replace every literal secret value with a reference and write a manifest", Required = true };
        var output = new Option<string?>("--output") { Description = "Template file (default: FILE with .template.json)" };
        var command = new Command("export", "Export a workflow as a shareable template: no value ever leaves") { file, template, output };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var path = parse.GetValue(file)!;
            var workflow = await WorkflowLoader.LoadFileAsync(path, ct).ConfigureAwait(false);

            // Scripts kept in files are inlined from what the loader read (confined and capped), never read again here.
            var document = WorkflowTemplateExporter.Inline(workflow);

            using var store = await context.OpenStoreAsync(parse, ct).ConfigureAwait(false);
            var result = await References.StoreSecrets.ExportTemplateAsync(store, context.Principal(parse), document, ct).ConfigureAwait(false);
            var target = parse.GetValue(output) ?? Path.ChangeExtension(path, ".template.json");
            var manifest = Path.ChangeExtension(target, null) + ".manifest.json";
            var indented = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
            await File.WriteAllTextAsync(target, result.Document.ToJsonString(indented), ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(manifest, result.Manifest().ToJsonString(indented), ct).ConfigureAwait(false);
            foreach (var replacement in result.Replacements)
            {
                await context.Console.Out.WriteLineAsync($"replaced the value of {replacement.Name.Value} at {replacement.JsonPath} with {replacement.Rewrite}").ConfigureAwait(false);
            }

            await context.Console.Out.WriteLineAsync($"template: {target} ({result.Replacements.Count} literal value(s) replaced); manifest: {manifest} (needs {string.Join(", ", result.RequiredSecrets.Select(n => n.Value))})").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
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
