using System.CommandLine;
using System.Globalization;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Export;
using Secrets.Runtime.Workflows.Nodes.Code;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>workflow validate FILE</c> and <c>workflow export FILE</c>.</summary>
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
        var template = new Option<bool>("--template") { Description = "Export as a template (the default and only form; accepted for clarity)" };
        var output = new Option<string?>("--output") { Description = "Template file, or - for stdout (default: FILE with .template.json; the manifest goes beside it, or to stderr with -)" };
        var command = new Command("export", "Export a workflow as a shareable template: every literal secret value becomes a reference, and a manifest lists the names it needs") { file, template, output };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var path = CliInput.ExistingFile(context, parse.GetValue(file), "FILE");
            var workflow = await WorkflowLoader.LoadFileAsync(path, ct).ConfigureAwait(false);

            // Scripts kept in files are inlined from what the loader read (confined and capped), never read again here.
            var document = WorkflowTemplateExporter.Inline(workflow);

            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var result = await runtime.ExportTemplateAsync(context.Principal(parse), document, ct).ConfigureAwait(false);
            var target = parse.GetValue(output) ?? Path.ChangeExtension(path, ".template.json");
            var needs = string.Join(", ", result.RequiredSecrets.Select(n => n.Value));
            if (target == "-")
            {
                // stdout carries the template alone, so it can be piped; what was replaced goes to stderr.
                await context.Console.Out.WriteLineAsync(result.Document.ToJsonString(CliJson.Indented)).ConfigureAwait(false);
                await WriteReplacementsAsync(context.Console.Error, result).ConfigureAwait(false);
                await context.Console.Error.WriteLineAsync($"template: stdout ({result.Replacements.Count} literal value(s) replaced); needs {needs}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            // Files keep the default (HTML-safe) escaping; relaxed escaping is for the console only.
            var manifest = Path.ChangeExtension(target, null) + ".manifest.json";
            var indented = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
            await File.WriteAllTextAsync(target, result.Document.ToJsonString(indented), ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(manifest, result.Manifest().ToJsonString(indented), ct).ConfigureAwait(false);
            await WriteReplacementsAsync(context.Console.Out, result).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"template: {target} ({result.Replacements.Count} literal value(s) replaced); manifest: {manifest} (needs {needs})").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task WriteReplacementsAsync(TextWriter output, WorkflowTemplate result)
    {
        foreach (var replacement in result.Replacements)
        {
            await output.WriteLineAsync($"replaced the value of {replacement.Name.Value} at {replacement.JsonPath} with {replacement.Rewrite}").ConfigureAwait(false);
        }
    }

    private static Command Validate(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Workflow JSON file" };
        var checkSecrets = new Option<bool>("--check-secrets") { Description = "Also report referenced secrets that no scope a run could use holds (project, organization, personal of --user and of the owner)" };
        var command = new Command("validate", "Check a workflow file as a run would before anything runs: structure, references, and code nodes compiled under the API policy; one problem per line") { file, checkSecrets };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var path = CliInput.ExistingFile(context, parse.GetValue(file), "FILE");
            var workflow = await WorkflowLoader.LoadFileAsync(path, ct).ConfigureAwait(false);
            var problems = new List<WorkflowProblem>();
            problems.AddRange(await CompileCodeNodesAsync(context, parse, workflow, ct).ConfigureAwait(false));
            if (parse.GetValue(checkSecrets))
            {
                problems.AddRange(await MissingSecretsAsync(context, parse, workflow, ct).ConfigureAwait(false));
            }

            if (problems.Count > 0)
            {
                throw new InvalidWorkflowException(Path.GetFileName(path), problems);
            }

            var secrets = workflow.Nodes.SelectMany(NodeReferences.SecretNames).Select(n => n.Value).Distinct().Order(StringComparer.Ordinal).ToList();
            await context.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{workflow.Name}: valid, {workflow.Nodes.Count} node(s), {workflow.Nodes.OfType<CodeNode>().Count()} code node(s) compiled; secrets referenced: {(secrets.Count == 0 ? "none" : string.Join(", ", secrets))}{(parse.GetValue(checkSecrets) ? " (each found in a scope the run can use)" : string.Empty)}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Each code node compiled in the compile worker, as a run would: policy refusals and compile errors with line and column.</summary>
    private static async Task<List<WorkflowProblem>> CompileCodeNodesAsync(CliContext context, ParseResult parse, WorkflowDefinition workflow, CancellationToken cancellationToken)
    {
        var problems = new List<WorkflowProblem>();
        if (!workflow.Nodes.OfType<CodeNode>().Any())
        {
            return problems;
        }

        using var runner = new Sandbox.Workers.ScriptRunner(context.Configuration(parse).Scripts);
        if (!runner.IsAvailable)
        {
            throw CliErrors.WorkerMissing("cannot compile code nodes: the worker program is missing; build src/Cli again");
        }

        for (var i = 0; i < workflow.Nodes.Count; i++)
        {
            if (workflow.Nodes[i] is not CodeNode node)
            {
                continue;
            }

            var compilation = await runner.CompileOnlyAsync(node.Source, cancellationToken).ConfigureAwait(false);
            var where = string.Create(CultureInfo.InvariantCulture, $"$.nodes[{i}].{(node.SourceFile is null ? "source" : "file")}");
            problems.AddRange(compilation.Diagnostics.Select(d => new WorkflowProblem(where, string.Create(CultureInfo.InvariantCulture,
                $"node {node.Id}, line {d.Line}, column {d.Column}: {d.Code}: {d.Message}"))));
        }

        return problems;
    }

    /// <summary>Referenced secrets that no scope a run of this workflow could read holds.</summary>
    private static async Task<List<WorkflowProblem>> MissingSecretsAsync(CliContext context, ParseResult parse, WorkflowDefinition workflow, CancellationToken cancellationToken)
    {
        var user = context.User(parse);
        await using var runtime = await context.OpenExistingRuntimeAsync(parse, cancellationToken).ConfigureAwait(false);
        var store = runtime.Store;
        var held = new HashSet<SecretName>();
        foreach (var principal in new[] { user, workflow.Owner }.Distinct(StringComparer.Ordinal))
        {
            foreach (var secret in await store.ListAsync(Principal.LocalAdmin(principal), new SecretListQuery { IncludeSystem = true }, cancellationToken).ConfigureAwait(false))
            {
                var usable = secret.Scope switch
                {
                    SecretScope.Project => secret.Owner == workflow.Project,
                    SecretScope.Organization => secret.Owner == workflow.Organization,
                    _ => secret.Owner == principal,
                };
                if (usable)
                {
                    held.Add(secret.Name);
                }
            }
        }

        var problems = new List<WorkflowProblem>();
        for (var i = 0; i < workflow.Nodes.Count; i++)
        {
            foreach (var (jsonPath, reference) in NodeReferences.Secrets(workflow.Nodes[i]).Where(r => !held.Contains(r.Reference.Name)).DistinctBy(r => (r.JsonPath, r.Reference.Name)))
            {
                problems.Add(new WorkflowProblem(jsonPath, $"secret {reference.Name.Value} is in no scope a run can use (project '{workflow.Project}', organization '{workflow.Organization}', personal '{user}' or '{workflow.Owner}'); store it with `secret set {reference.Name.Value} --scope project --project {CliContext.Quote(workflow.Project)}`"));
            }
        }

        return problems;
    }
}
